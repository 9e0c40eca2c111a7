"""The group-commit decision worker: one thread that takes every queued flight decision, runs
them in one database transaction under the airspace lock and commits once, so concurrent
requests share one durable write.

A job is a function of the open session (see :meth:`api.airspace_state.AirspaceState.run`);
callers wait on a thread event or, from the event loop, on a future.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass
class Job:
    """One queued decision: ``fn(session)`` and, once run, its result or error."""

    fn: Callable[[Session], Any]
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future | None = None

    def finish(self) -> None:
        """Wake whoever waits: a thread (``done``) or a coroutine (``future``)."""
        self.done.set()
        if self.future is not None and self.loop is not None:
            self.loop.call_soon_threadsafe(self._settle)

    def _settle(self) -> None:
        if self.future is None or self.future.done():
            return
        if self.error is not None:
            self.future.set_exception(self.error)
        else:
            self.future.set_result(self.result)


class DecisionWorker:
    """A queue of :class:`Job` and the thread that runs them in batches.

    ``run_batch(jobs)`` runs one batch (one transaction) and must set each job's result or
    error; the worker then wakes the jobs' callers. ``gate``, when set, is waited for before
    the first batch (kernels still compiling, :mod:`api.warmup`).
    """

    def __init__(self, run_batch: Callable[[list[Job]], None], *, max_batch: int = 64):
        self.run_batch = run_batch
        self.max_batch = max_batch
        self.gate: threading.Event | None = None
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()

    def run(self, fn: Callable[[Session], Any]) -> Any:
        """Queue ``fn`` and block until its batch is committed; its result (or its error)."""
        job = Job(fn)
        self._submit(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    async def run_async(self, fn: Callable[[Session], Any]) -> Any:
        """:meth:`run` for the event loop: the worker resolves a future instead of waking a
        blocked thread."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._submit(Job(fn, loop=loop, future=future))
        return await future

    def _submit(self, job: Job) -> None:
        self._queue.put(job)
        if self._thread is None or not self._thread.is_alive():
            with self._thread_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._work, name="qingkong-decider", daemon=True
                    )
                    self._thread.start()

    def _work(self) -> None:
        if self.gate is not None:
            self.gate.wait()
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.run_batch(batch)
            finally:
                for job in batch:
                    job.finish()


def preload(session: Session, batch: list[Job]) -> None:
    """Load the rows a batch's jobs will read by primary key in one query per table, so their
    own ``session.get`` finds them in the session (same transaction, same rows) instead of
    asking the database once per job. A job names them as ``fn.preload_keys``: a list of
    ``(model, id)`` pairs (ids that do not exist are simply not found)."""
    wanted: dict[Any, set[str]] = {}
    for job in batch:
        for model, key in getattr(job.fn, "preload_keys", ()):
            wanted.setdefault(model, set()).add(key)
    # The session's identity map holds rows weakly: keep them for the batch's lifetime.
    held = session.info.setdefault("preloaded", [])
    with session.no_autoflush:
        for model, keys in wanted.items():
            ordered = sorted(keys)
            for i in range(0, len(ordered), 500):
                chunk = ordered[i : i + 500]
                held.extend(session.execute(select(model).where(model.id.in_(chunk))).scalars())
