"""The rows a decision batch inserts, written together with Core ``insert()`` executemany
instead of through the ORM unit of work (profiled: the batch's flush cost about as much as the
planner's decisions).

A batch (:meth:`api.airspace_state.AirspaceState.run`) opens a :class:`BatchRows` in its
session (:func:`batch_rows`). While it is open, a filing's flight row is held here, not added
to the session, and the flight-workflow, audit and airspace-event rows of every job in the batch
are appended here in the order they are made. :meth:`BatchRows.write` inserts them one
statement per table, parents first (flights before their workflow rows), and is called before
any job that reads the store through the session and at the end of the batch, inside the
batch's transaction: the commit stays one, and every approval is durable before it is answered.

Rows held here are not in the database yet, so whoever looks a flight up by its key or
request id within the batch asks this register first (:attr:`BatchRows.flights`,
:meth:`BatchRows.by_request`): two filings of one batch cannot both take one flight name or
one request id.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from api.models import AirspaceEvent, FlightRow
from api.workflow.models import AuditEntry, FlightWorkflow

SESSION_KEY = "batch_rows"
FLIGHT_COLUMNS = tuple(c.key for c in FlightRow.__table__.columns)
# Built once: SQLAlchemy then finds each compiled statement in its cache by identity.
_EVENTS = cast(Table, AirspaceEvent.__table__)
INSERT_FLIGHTS = insert(cast(Table, FlightRow.__table__))
INSERT_WORKFLOWS = insert(cast(Table, FlightWorkflow.__table__))
INSERT_AUDITS = insert(cast(Table, AuditEntry.__table__))
INSERT_EVENTS = insert(_EVENTS).returning(_EVENTS.c.seq)


class BatchRows:
    """Rows of one batch not written yet, and the register of its new flights."""

    def __init__(self) -> None:
        self.flights: dict[str, FlightRow] = {}
        """New flights by key (transient rows: changed in place until written)."""
        self._requests: dict[tuple[str, str], FlightRow] = {}
        self.workflows: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.max_seq = 0
        """The newest airspace event sequence number written here (0: none)."""

    def add_flight(self, row: FlightRow) -> None:
        """Hold a new flight row (its key and request id are taken from now on)."""
        self.flights[row.id] = row
        if row.request_id:
            self._requests[row.operator_id, row.request_id] = row

    def by_request(self, operator_id: str, request_id: str) -> FlightRow | None:
        """The flight held here that ``operator_id`` filed with ``request_id``, if any."""
        return self._requests.get((operator_id, request_id))

    def write(self, s: Session) -> None:
        """Insert every held row in the session's transaction (parents first) and forget it."""
        conn = s.connection()
        if self.flights:
            rows = [{k: getattr(r, k) for k in FLIGHT_COLUMNS} for r in self.flights.values()]
            conn.execute(INSERT_FLIGHTS, rows)
        if self.workflows:
            conn.execute(INSERT_WORKFLOWS, self.workflows)
        if self.audits:
            conn.execute(INSERT_AUDITS, self.audits)
        if self.events:
            seqs = conn.execute(INSERT_EVENTS, self.events).scalars()
            self.max_seq = max([self.max_seq, *seqs])
        self.flights, self._requests = {}, {}
        self.workflows, self.audits, self.events = [], [], []


def batch_rows(s: Session) -> BatchRows | None:
    """The open :class:`BatchRows` of a batch's session (``None``: write through the ORM)."""
    return s.info.get(SESSION_KEY)
