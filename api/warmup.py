"""Kernel warm-up in the background: the service answers at once, decisions wait for it.

On a fresh machine (empty numba cache) the planner's kernels take tens of seconds to compile.
:class:`KernelWarmup` runs the named steps of :data:`planner.warm.WARMUP_STEPS` (then the
decision worker's own first-use costs) in a daemon thread, so ``/v1/health`` answers within
seconds. ``/v1/ready`` says 503 with the progress until it is done; the decision worker waits
on :attr:`KernelWarmup.done` before its first batch, so requests that arrive early wait for
the kernels instead of failing. ``qingkong serve`` prints each step as it finishes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger("qingkong.api")


class KernelWarmup:
    """Named steps run once, in order, in a background thread, with observable progress.

    Parameters
    ----------
    steps : list of (name, callable)
        What to run.
    report : callable or None
        Called as ``report(progress_dict)`` after each step (and once at the start).

    Examples
    --------
    >>> w = KernelWarmup([("one", lambda: None), ("two", lambda: None)])
    >>> w.start().wait(5.0)
    True
    >>> w.progress()["state"], w.progress()["done"], w.progress()["total"]
    ('ready', 2, 2)
    """

    def __init__(
        self,
        steps: list[tuple[str, Callable[[], Any]]],
        report: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.steps = list(steps)
        self.report = report
        self.done = threading.Event()
        """Set when every step has run (or one failed: decisions then compile on use)."""
        self._lock = threading.Lock()
        self._state = "pending"
        self._finished = 0
        self._current: str | None = None
        self._error: str | None = None
        self._t0 = time.perf_counter()
        self._elapsed_s: float | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> KernelWarmup:
        """Start the background thread (once); returns self."""
        if self._thread is None:
            self._t0 = time.perf_counter()
            self._thread = threading.Thread(target=self.run, name="qingkong-warmup", daemon=True)
            self._thread.start()
        return self

    def run(self) -> None:
        """Run the steps in this thread."""
        with self._lock:
            self._state = "compiling"
        self._emit()
        try:
            for name, fn in self.steps:
                with self._lock:
                    self._current = name
                fn()
                with self._lock:
                    self._finished += 1
                self._emit()
            with self._lock:
                self._state = "ready"
                self._current = None
        except Exception as e:  # the service still works: kernels compile on first use
            log.exception("kernel warm-up failed")
            with self._lock:
                self._state = "failed"
                self._error = f"{type(e).__name__}: {e}"
        finally:
            with self._lock:
                self._elapsed_s = time.perf_counter() - self._t0
            self.done.set()
            self._emit()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until done (True) or the timeout passes (False)."""
        return self.done.wait(timeout_s)

    @property
    def ready(self) -> bool:
        """Whether every step has run."""
        return self.done.is_set()

    def progress(self) -> dict[str, Any]:
        """``state`` (pending, compiling, ready, failed), ``done``/``total`` steps, the step
        running now, seconds so far and the error of a failed warm-up."""
        with self._lock:
            elapsed = (
                self._elapsed_s if self._elapsed_s is not None else time.perf_counter() - self._t0
            )
            return {
                "state": self._state,
                "done": self._finished,
                "total": len(self.steps),
                "step": self._current,
                "elapsed_s": round(elapsed, 2),
                "error": self._error,
            }

    def describe(self) -> str:
        """One line for people: ``planner kernels: 2 of 5 compiled (route slot search, 12 s)``."""
        p = self.progress()
        if p["state"] == "ready":
            return f"planner kernels ready in {p['elapsed_s']:.1f} s"
        if p["state"] == "failed":
            return f"planner kernel warm-up failed ({p['error']}); kernels compile on first use"
        now = f"{p['step']}, " if p["step"] else ""
        return (
            f"planner kernels: {p['done']} of {p['total']} compiled ({now}{p['elapsed_s']:.0f} s)"
        )

    def _emit(self) -> None:
        if self.report is not None:
            try:
                self.report(self.progress())
            except Exception:  # a broken reporter must not stop the warm-up
                log.exception("warm-up progress reporter failed")


def warm_service(
    airspace: Any,
    *,
    background: bool,
    live_steps: Sequence[tuple[str, Callable[[], None]]] = (),
) -> KernelWarmup:
    """Warm the planner's kernels, then the decision worker of ``airspace``, then the live
    layer's kernels (``live_steps``: tactical detection, conformance).

    The worker takes no decision before the kernels are compiled (its gate opens after the
    planner's steps). With ``background`` the steps run in a thread and this returns at
    once; otherwise they have run when it returns. The live steps always run in the
    background after the gate opens: they are not part of readiness (``/v1/ready`` says when
    decisions are served), and a position that arrives before them compiles on first use.
    """
    from planner.warm import WARMUP_STEPS

    gate = threading.Event()
    airspace.gate = gate

    def open_gate_and_warm() -> None:
        gate.set()
        airspace.warm()

    steps = [*WARMUP_STEPS, ("decision worker", open_gate_and_warm)]
    warm = KernelWarmup(steps)

    # a failed warm-up must not keep decisions waiting: they compile on first use
    def open_gate_after_warmup() -> None:
        warm.wait()
        gate.set()
        for name, fn in live_steps:
            try:
                fn()
            except Exception:  # the live layer still works: its kernels compile on first use
                log.exception("warm-up of %s failed", name)

    threading.Thread(target=open_gate_after_warmup, daemon=True).start()
    if background:
        warm.start()
    else:
        warm.run()
    return warm
