"""The tactical cycle: every ``tactical_cycle_s``, every live track, predicted conflicts, alerts.

Each cycle gathers the live tracks of every source (the surveillance picture today; the
telemetry tracks join by :meth:`TacticalMonitor.add_source`), runs
:func:`planner.tactical.detect` over them, and lets :class:`planner.tactical.EncounterTracker`
decide what is new and what is over. Each encounter becomes notifications (the existing
``/v1/notifications`` poll and stream): one to the operator of each operated track involved,
and, when no operator is involved (a helicopter and an uncooperative drone), one that only
regulators see. Regulators see all of them. The notification ``kind`` is ``tactical`` when an
encounter is raised and ``tactical_clear`` when it ends; the payload's ``code`` is
``TACTICAL_CONFLICT``.

The cycle runs on one background thread, started when the first tracks arrive and ending when
there are no live tracks and no open encounters left; :meth:`TacticalMonitor.cycle` runs one
cycle synchronously (tests, replays).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi import FastAPI

from api.models import Notification
from api.store import Store, utcnow
from api.surveillance import LiveTracks, SurveillancePicture
from planner.tactical import EncounterEvent, EncounterTracker, detect

log = logging.getLogger("qingkong.tactical")

Source = Callable[[float], LiveTracks]
"""A source of live tracks: called with the cycle's planner time, returns tracks at that time."""

CODE = "TACTICAL_CONFLICT"
KIND_RAISED = "tactical"
KIND_CLEARED = "tactical_clear"


class TacticalMonitor:
    """Runs tactical detection over all sources and turns encounters into notifications.

    ``clock`` gives ``now_s()`` and ``to_datetime(t_s)`` (the service's planner clock).
    """

    def __init__(
        self,
        store: Store,
        clock: Any,
        *,
        sep_h_m: float,
        sep_v_m: float,
        lookahead_s: float,
        cycle_s: float,
        clear_after_s: float,
        time_zone: Any = None,
        background: bool = True,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sep_h_m = sep_h_m
        self.sep_v_m = sep_v_m
        self.lookahead_s = lookahead_s
        self.cycle_s = cycle_s
        self.time_zone = time_zone
        self.background = background
        self.tracker = EncounterTracker(clear_after_s=clear_after_s)
        self.sources: list[Source] = []
        self.last_cycle: dict[str, Any] = {}
        self._who: dict[str, tuple[str, str | None, str | None]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._kicked = False
        self._stop = threading.Event()

    def add_source(self, source: Source) -> None:
        """Add a source of tracks predicted each cycle."""
        self.sources.append(source)

    # -- one cycle -----------------------------------------------------------------------------
    def cycle(self, now_s: float | None = None) -> list[EncounterEvent]:
        """Detect over the live tracks at ``now_s`` (default: now); notify; return the events."""
        with self._lock:
            t0 = time.perf_counter()
            if now_s is None:  # a wall clock stepped back (NTP) must not stop the cycles
                now_s = max(self.clock.now_s(), self.tracker.last_update_s)
            tracks = LiveTracks.concat([source(now_s) for source in self.sources])
            conflicts = detect(
                tracks.ids,
                tracks.states,
                sep_h_m=self.sep_h_m,
                sep_v_m=self.sep_v_m,
                lookahead_s=self.lookahead_s,
            )
            for i, track_id in enumerate(tracks.ids):
                self._who[track_id] = (tracks.kinds[i], tracks.operators[i], tracks.flights[i])
            events = self.tracker.update(now_s, conflicts, live_ids=set(tracks.ids))
            if events:
                self._notify(events)
            open_ids = {t for pair in self.tracker.open for t in pair}
            self._who = {k: v for k, v in self._who.items() if k in open_ids}
            self.last_cycle = {
                "at_s": now_s,
                "tracks": len(tracks.ids),
                "conflicts": len(conflicts),
                "open_encounters": len(self.tracker.open),
                "duration_ms": round((time.perf_counter() - t0) * 1e3, 3),
            }
            return events

    def _describe(self, pair: tuple[str, str]) -> dict[str, list[Any]]:
        who = [self._who.get(t, ("unknown", None, None)) for t in pair]
        return {
            "tracks": list(pair),
            "kinds": [w[0] for w in who],
            "operators": [w[1] for w in who],
            "flights": [w[2] for w in who],
        }

    def _time(self, t_s: float) -> str:
        dt = self.clock.to_datetime(t_s)
        return (dt.astimezone(self.time_zone) if self.time_zone else dt).isoformat()

    def _payload(self, e: EncounterEvent) -> dict[str, Any]:
        c = e.conflict
        return {
            "code": CODE,
            "state": e.kind,
            "reason": e.reason,
            "encounter": e.encounter_id,
            **self._describe(e.pair),
            "at": self._time(e.at_s),
            "time_to_loss_s": round(c.t_los_s, 3),
            "loss_at": self._time(e.at_s + c.t_los_s),
            "closest_approach_s": round(c.t_cpa_s, 3),
            "closest_horizontal_m": round(c.h_cpa_m, 2),
            "closest_vertical_m": round(c.v_cpa_m, 2),
        }

    def _notify(self, events: list[EncounterEvent]) -> None:
        with self.store.write() as s:
            for e in events:
                payload = self._payload(e)
                kind = KIND_RAISED if e.kind == "raised" else KIND_CLEARED
                operated = {
                    (op, flight or "")
                    for op, flight in zip(payload["operators"], payload["flights"], strict=True)
                    if op
                }
                # operators get their own copy; with no operator involved, regulators' only
                for operator_id, flight_id in sorted(operated) or [("", "")]:
                    s.add(
                        Notification(
                            operator_id=operator_id,
                            flight_id=flight_id,
                            kind=kind,
                            payload=payload,
                            created_at=utcnow(),
                        )
                    )

    def open_encounters(self) -> list[dict[str, Any]]:
        """The encounters open now, soonest loss of separation first."""
        with self._lock:
            out = [
                {
                    "encounter_id": enc.encounter_id,
                    **self._describe(pair),
                    "raised_at": self._time(enc.raised_at_s),
                    "time_to_loss_s": round(enc.latest.t_los_s, 3),
                    "closest_approach_s": round(enc.latest.t_cpa_s, 3),
                    "closest_horizontal_m": round(enc.latest.h_cpa_m, 2),
                    "closest_vertical_m": round(enc.latest.v_cpa_m, 2),
                }
                for pair, enc in self.tracker.open.items()
            ]
        return sorted(out, key=lambda e: (e["time_to_loss_s"], e["encounter_id"]))

    # -- the background thread -----------------------------------------------------------------
    def ensure_running(self) -> None:
        """Start the cycle thread unless it runs already (then make sure it runs once more),
        or unless cycles are run by hand (``background`` false)."""
        if not self.background:
            return
        with self._thread_lock:
            if self._thread is not None and self._thread.is_alive():
                self._kicked = True
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="qingkong-tactical", daemon=True)
            self._thread.start()

    @property
    def running(self) -> bool:
        """Whether the cycle thread runs (it ends when the sky is empty)."""
        with self._thread_lock:
            return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the cycle thread (waiting up to ``timeout_s``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.cycle()
            except Exception:  # one bad cycle must not end tactical detection
                log.exception("tactical cycle failed")
            with self._thread_lock:
                idle = not self.last_cycle.get("tracks") and not self.tracker.open
                if idle and not self._kicked:
                    self._thread = None
                    return
                self._kicked = False
            self._stop.wait(max(0.0, self.cycle_s - (time.monotonic() - started)))


def warm_detection() -> None:
    """Compile (or load) the detection kernel now rather than in the first cycle (a step of
    the service's background warm-up, :func:`api.warmup.warm_service`)."""
    detect(["a", "b"], np.zeros((2, 6)))


def install(app: FastAPI) -> None:
    """Create the surveillance picture and the tactical monitor of ``app`` (``app.state``)."""
    settings = app.state.settings
    airspace = app.state.airspace
    deployment = airspace.deployment
    picture = SurveillancePicture(
        deployment,
        max_tracks=settings.surveillance_max_tracks,
        max_age_s=settings.surveillance_max_age_s,
    )
    monitor = TacticalMonitor(
        app.state.store,
        airspace,
        sep_h_m=settings.tactical_sep_h_m
        or settings.separation_horizontal_m
        or deployment.separation_horizontal_m,
        sep_v_m=settings.tactical_sep_v_m
        or settings.separation_vertical_m
        or deployment.separation_vertical_m,
        lookahead_s=settings.tactical_lookahead_s,
        cycle_s=settings.tactical_cycle_s,
        clear_after_s=settings.tactical_clear_after_s,
        time_zone=deployment.tz,
        background=settings.tactical_background,
    )
    monitor.add_source(picture.live)
    app.state.surveillance = picture
    app.state.tactical = monitor
