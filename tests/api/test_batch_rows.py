"""Filings decided in one batch are written together (:mod:`api.batch_rows`): within the batch,
a request id or a flight name taken by an earlier filing is taken, a retry gets the stored
answer, and every row (flight, workflow, audit, airspace event) is in the store afterwards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from api.auth import Principal, Role
from api.decision_worker import Job
from api.models import AirspaceEvent, ApiUser, FlightRow
from api.schemas import FlightCreate
from api.services.flights import flight_job
from api.store import latest_seq
from api.workflow.models import AuditEntry, FlightWorkflow
from tests.api.conftest import EAST, NORTH


def _one_batch(service, bodies: list[dict[str, Any]]) -> list[Job]:
    """Decide ``bodies`` as OP-A in a single batch (one transaction), in order."""
    state = service.app.state.airspace
    with state.store.session() as s:
        user_id = s.execute(select(ApiUser.id).where(ApiUser.operator_id == "OP-A")).scalar_one()
    user = Principal(user_id, "a", Role.OPERATOR, "OP-A")
    jobs = [
        Job(flight_job(state, user, FlightCreate.model_validate(b), b, max_vertices=1000))
        for b in bodies
    ]
    state._run_batch(jobs)
    return jobs


def _body(service, waypoints, **kw: Any) -> dict[str, Any]:
    now = service.now_s()
    return {
        "drone": "DR-A1",
        "departure": {"earliest": now + 600, "latest": now + 2400},
        "speed_mps": 10.0,
        "route": {"waypoints": waypoints},
    } | kw


def test_one_batch_takes_a_request_id_and_a_flight_name_once(service):
    service.drone("a", "DR-A1")
    first = _body(service, EAST, request_id="r-1", flight="F-ONE")
    other = _body(service, NORTH, request_id="r-1")
    jobs = _one_batch(
        service,
        [
            first,
            dict(first),  # a retry: the stored answer
            other,  # the id again with another body: refused
            _body(service, NORTH, flight="F-ONE"),  # the name again: refused
            _body(service, NORTH, request_id="r-2"),
        ],
    )
    (one, created), (again, created_again) = jobs[0].result, jobs[1].result
    assert created and not created_again and again == one
    assert jobs[2].error is not None and jobs[2].error.code == "request_id_reused"
    assert jobs[3].error is not None and jobs[3].error.code == "flight_exists"
    assert jobs[4].error is None and jobs[4].result[1]
    assert one["flight"] == "F-ONE"

    state = service.app.state.airspace
    new = {one["flight"], jobs[4].result[0]["flight"]}
    with state.store.session() as s:
        rows = s.execute(select(FlightRow)).scalars().all()
        assert {r.id for r in rows} == new
        by_id = {r.id: r for r in rows}
        assert by_id["F-ONE"].request_id == "r-1" and by_id["F-ONE"].decision["flight"] == "F-ONE"
        assert by_id["F-ONE"].record is not None and by_id["F-ONE"].end_s is not None
        assert set(s.execute(select(FlightWorkflow.flight_id)).scalars()) == new
        filed = select(AuditEntry.ref).where(AuditEntry.action == "file")
        assert sorted(s.execute(filed).scalars()) == sorted(new)
        events = s.execute(select(func.count()).select_from(AirspaceEvent)).scalar_one()
        assert events == sum(r.state == "accepted" for r in rows)
        # This process marked its own events applied.
        assert state.applied_seq == latest_seq(s)

    # The next batch sees them in the store: the retry is answered from there.
    (stored, created), *_ = (j.result for j in _one_batch(service, [first]))
    assert not created and stored == one


def test_a_batch_that_fails_writes_nothing(service):
    service.drone("a", "DR-A1")
    state = service.app.state.airspace
    good = _body(service, EAST, request_id="r-ok")

    def boom(_s):
        raise RuntimeError("the batch fails after a filing")

    state_jobs = [
        Job(
            flight_job(
                state,
                Principal(0, "a", Role.OPERATOR, "OP-A"),
                FlightCreate.model_validate(good),
                good,
                max_vertices=1000,
            )
        ),
        Job(boom),
    ]
    state._run_batch(state_jobs)
    assert all(isinstance(j.error, RuntimeError) for j in state_jobs)
    with state.store.session() as s:
        assert s.execute(select(func.count()).select_from(FlightRow)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(FlightWorkflow)).scalar_one() == 0
    # The planner is rebuilt from the store: the next filing is decided as if on a clean sky.
    r = service.fly("a", "DR-A1", EAST, request_id="r-ok")
    assert r.status_code == 201, r.text
