"""The HTTP replay backend: the same events, sent to a running qingkong service.

Set-up with an admin key: the scenario's operators are created, one operator key is made for
each (flights are filed by their operator), drones are registered, and the scenario's zones
are uploaded (replacing zones with the same id). Then every event becomes one API call:

========== =================================================
request    ``POST /v1/flights`` (operator key)
review     ``POST /v1/reviews/{flight}``
zone       ``POST /v1/zones`` (``PUT`` when the id exists)
withdraw   ``DELETE /v1/zones/{id}``
cancel ... ``POST /v1/flights/{flight}/{cancel|activate|end}``
========== =================================================

Flights the call re-planned or revoked are read from ``GET /v1/notifications``. Times go out as
RFC 3339 instants and come back in the server's planner seconds, which are converted to scenario
seconds, so the replay document reads the same as an in-process replay.

The server decides at *its* clock. An in-process replay decides each event at the event's ``t``;
for identical documents the server's clock must read the scenario time (the tests run the
service in process with its clock driven through ``on_event``). Against a live server with the
wall clock, decisions can differ where "now" matters (``decided_at``, departures already past).
The server must also run with the scenario's corridor network (``QINGKONG_CORRIDORS_PATH``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from airspace.clock import read_datetime
from airspace.formats import load_zones, zones_to_ed269
from airspace.zones import Zone
from scenarios.format import Event, Scenario
from scenarios.replay import Airspace

_LIFECYCLE_KEYS = (
    "state",
    "operator",
    "drone",
    "request_id",
    "priority",
    "departure_time",
    "review_comment",
)
_CHANGE_KINDS = ("revoked", "replanned", "approved")


class ServerError(RuntimeError):
    """The service refused the set-up or answered something unexpected (status and message)."""


def _message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}: {resp.text[:200]}"
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        fields = ", ".join(
            str(f.get("field", "")) + ": " + str(f.get("message", ""))
            for f in err.get("fields") or []
        )
        return f"HTTP {resp.status_code} {err.get('code', '')}: {err.get('message', '')}" + (
            f" ({fields})" if fields else ""
        )
    return f"HTTP {resp.status_code}: {json.dumps(body)[:200]}"


class HttpBackend:
    """Replay backend talking to ``base_url`` (``http://host:port``) with an admin API key.

    Parameters
    ----------
    base_url : str
        The service root (the API lives under ``/v1``).
    key : str
        An admin key (creates operators, keys and drones; publishes zones; reviews).
    scenario, airspace : Scenario, Airspace
        What to set up on the server.
    client : httpx.Client, optional
        A ready client (e.g. FastAPI's ``TestClient``); ``base_url`` is ignored then.
    on_event : callable, optional
        Called with the scenario time before every event's call.
    """

    name = "http"

    def __init__(
        self,
        base_url: str,
        key: str,
        scenario: Scenario,
        airspace: Airspace,
        *,
        client: httpx.Client | None = None,
        on_event: Callable[[float], None] | None = None,
        timeout_s: float = 60.0,
    ):
        self.client = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)
        self._own_client = client is None
        self.admin = {"Authorization": f"Bearer {key}"}
        self.scenario = scenario
        self.on_event = on_event
        self.operator_keys: dict[str, dict[str, str]] = {}
        self.flights: list[str] = []
        self.flight_operator: dict[str, str] = {}
        self.last_note = 0
        try:
            health = self._call("GET", "/v1/health")
        except httpx.HTTPError as exc:
            raise ServerError(f"cannot reach {base_url}: {exc}") from None
        if health.get("deployment") != scenario.deployment.name:
            raise ServerError(
                f"the server runs deployment {health.get('deployment')!r}, the scenario needs {scenario.deployment.name!r}"
            )
        epoch = read_datetime(str(health["epoch"]))
        self.offset_s = (scenario.start - epoch).total_seconds()
        self._setup(airspace)
        self.last_note = self._latest_notification()

    # -- plumbing ------------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        ok=(200, 201),
        **kw: Any,
    ) -> Any:
        resp = self.client.request(method, path, headers=headers or self.admin, **kw)
        if resp.status_code not in ok:
            raise ServerError(f"{method} {path}: {_message(resp)}")
        return resp.json() if resp.content else None

    def _time(self, t_s: float) -> str:
        return (self.scenario.start + timedelta(seconds=float(t_s))).isoformat()

    def _to_scenario_s(self, v: Any) -> Any:
        if v is None:
            return None
        out = float(v) - self.offset_s
        return round(out, 6) if self.offset_s else out

    def _decision(self, flight: dict[str, Any]) -> dict[str, Any]:
        d = {k: v for k, v in flight.items() if k not in _LIFECYCLE_KEYS}
        for key in ("trajectory", "route", "area"):  # optional in a decision; the API sends null
            if key in d and d[key] is None:
                del d[key]
        for key in ("decided_at", "departure", "start", "end"):
            if key in d:
                d[key] = self._to_scenario_s(d[key])
        if d.get("trajectory"):
            d["trajectory"] = [[*row[:3], self._to_scenario_s(row[3])] for row in d["trajectory"]]
        for r in d.get("reasons") or []:
            if r.get("alternative_departure") is not None:
                r["alternative_departure"] = self._to_scenario_s(r["alternative_departure"])
        return d

    def _latest_notification(self) -> int:
        last = 0
        while True:
            page = self._call("GET", "/v1/notifications", params={"after": last, "limit": 1000})
            if not page:
                return last
            last = int(page[-1]["id"])

    def _changes(self, subject: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            page = self._call(
                "GET", "/v1/notifications", params={"after": self.last_note, "limit": 1000}
            )
            if not page:
                return out
            for n in page:
                self.last_note = int(n["id"])
                payload = n.get("payload") or {}
                if (
                    n.get("kind") in _CHANGE_KINDS
                    and n.get("flight") != subject
                    and payload.get("decision")
                ):
                    out.append(
                        {
                            "flight": n["flight"],
                            "change": n["kind"],
                            "decision": self._decision(payload["decision"]),
                            "reason": payload.get("reason"),
                        }
                    )

    def _tick(self, t_s: float) -> None:
        if self.on_event is not None:
            self.on_event(t_s)

    # -- set-up --------------------------------------------------------------------------------
    def _setup(self, airspace: Airspace) -> None:
        operators = sorted({d.operator_id or "OP-SCENARIO" for d in self.scenario.drones.values()})
        for op in operators:
            self._call("POST", "/v1/operators", json={"id": op}, ok=(200, 201, 409))
            user = self._call(
                "POST", "/v1/users", json={"role": "operator", "operator_id": op, "name": "replay"}
            )
            self.operator_keys[op] = {"Authorization": f"Bearer {user['key']}"}
        for d in self.scenario.drones.values():
            body: dict[str, Any] = {
                "id": d.id,
                "serial": d.serial if len(d.serial) >= 4 else f"SN-{d.id}",
                "operator_id": d.operator_id or "OP-SCENARIO",
                "max_speed_mps": d.max_speed_mps,
                "vertical_rate_mps": d.vertical_rate_mps,
                "capabilities": sorted(d.capabilities),
            }
            for k in ("empty_weight_kg", "max_takeoff_weight_kg", "max_altitude_m"):
                if getattr(d, k) is not None:
                    body[k] = getattr(d, k)
            self._call("POST", "/v1/drones", json=body, ok=(200, 201, 409))
            if d.drone_class is not None:
                derived = self._call("GET", f"/v1/drones/{d.id}").get("drone_class")
                if derived != d.drone_class:
                    raise ServerError(
                        f"drone {d.id!r}: the server's rules class it {derived!r} from its properties, the "
                        f"scenario says {d.drone_class!r}; give it empty_weight_kg, mtow_kg and capabilities "
                        "that make it that class"
                    )
        for src in self.scenario.zone_sources:
            if src.file is not None:
                if src.file.suffix.lower() in (".json", ".geojson"):
                    doc = json.loads(src.file.read_text(encoding="utf-8"))
                else:  # e.g. BlueSky geofences: send them as ED-269
                    doc = zones_to_ed269(load_zones(src.file, deployment=self.scenario.deployment))
                self._call("POST", "/v1/zones/upload", json=doc, params={"replace": "true"})
            else:
                self._put_zone(dict(src.inline or {}))
        for op, docs in sorted((self.scenario.extra.get("documents") or {}).items()):
            for d in docs:
                body = {
                    k: (v.isoformat() if hasattr(v, "isoformat") else str(v))
                    for k, v in d.items()
                    if v is not None
                }
                self._call("POST", "/v1/documents", json=body | {"operator": op})
        grants = self.scenario.extra.get("grants") or {}
        for op, tasks in sorted(grants.items()):
            if op not in self.operator_keys:
                self._call("POST", "/v1/operators", json={"id": op}, ok=(200, 201, 409))
            for task in tasks:
                self._call("POST", "/v1/grants", json={"operator": op, "task": task})
        self._changes(None)

    def _zone_body(self, raw: dict[str, Any]) -> dict[str, Any]:
        body = dict(raw)
        if body.get("schedule"):
            body["schedule"] = [
                {k: (self._time(v) if isinstance(v, int | float) else v) for k, v in item.items()}
                for item in body["schedule"]
            ]
        return body

    def _put_zone(self, raw: dict[str, Any]) -> None:
        body = self._zone_body(raw)
        resp = self.client.post("/v1/zones", json=body, headers=self.admin)
        if resp.status_code == 409:
            resp = self.client.put(f"/v1/zones/{body['id']}", json=body, headers=self.admin)
        if resp.status_code not in (200, 201):
            raise ServerError(f"zone {body.get('id')!r}: {_message(resp)}")

    # -- the Backend protocol ------------------------------------------------------------------
    def request(self, event: Event) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """File the request through ``POST /v1/flights``."""
        self._tick(event.t_s)
        d = event.data
        drone = self.scenario.drones[str(d["drone"])]
        body: dict[str, Any] = {
            "flight": str(d["flight"]),
            "drone": drone.id,
            "priority": int(d.get("priority", 0)),
            "departure": {
                "earliest": self._time(d["departure"]["earliest"]),
                "latest": self._time(d["departure"].get("latest", d["departure"]["earliest"])),
            },
            "route": d["route"],
        }
        if d.get("speed_mps") is not None:
            body["speed_mps"] = float(d["speed_mps"])
        for k in ("task", "operations", "application", "at_own_site", "long_term"):  # workflow
            if k in d:
                body[k] = d[k]
        headers = self.operator_keys[drone.operator_id or "OP-SCENARIO"]
        self.flight_operator[body["flight"]] = drone.operator_id or "OP-SCENARIO"
        resp = self.client.post("/v1/flights", json=body, headers=headers)
        if resp.status_code not in (200, 201):
            raise ValueError(_message(resp))
        self.flights.append(body["flight"])
        return self._decision(resp.json()), self._changes(body["flight"])

    def review(
        self, flight: str, approve: bool, t_s: float, comment: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Decide a pending request through ``POST /v1/reviews/{flight}``."""
        self._tick(t_s)
        resp = self.client.post(
            f"/v1/reviews/{flight}",
            json={"approve": approve, "comment": comment},
            headers=self.admin,
        )
        if resp.status_code != 200:
            raise ValueError(_message(resp))
        return self._decision(resp.json()), self._changes(flight)

    def publish_zone(self, zone: Zone, raw: dict[str, Any], t_s: float) -> list[dict[str, Any]]:
        """Publish a zone through ``PUT /v1/zones/{id}``."""
        self._tick(t_s)
        try:
            self._put_zone(raw)
        except ServerError as exc:
            raise ValueError(str(exc)) from None
        return self._changes(None)

    def withdraw_zone(self, zone_id: str, t_s: float) -> None:
        """Withdraw a zone through ``DELETE /v1/zones/{id}``."""
        self._tick(t_s)
        resp = self.client.delete(f"/v1/zones/{zone_id}", headers=self.admin)
        if resp.status_code != 200:
            raise ValueError(_message(resp))
        self._changes(None)

    def transition(self, op: str, flight: str, t_s: float) -> None:
        """Move a flight through its lifecycle (or the workflow's gate) on the server."""
        self._tick(t_s)
        if op == "ready":  # the operator reports; the expected take-off is the approved one
            departure = self._call("GET", f"/v1/flights/{flight}").get("departure_time")
            resp = self.client.post(
                f"/v1/flights/{flight}/ready",
                json={"expected_takeoff": departure},
                headers=self.operator_keys[self.flight_operator.get(flight, "OP-SCENARIO")],
            )
        elif op == "confirm":
            resp = self.client.post(f"/v1/flights/{flight}/confirm", json={}, headers=self.admin)
        else:
            resp = self.client.post(f"/v1/flights/{flight}/{op}", headers=self.admin)
        if resp.status_code != 200:
            raise ValueError(_message(resp))
        self._changes(flight)

    def final_states(self) -> dict[str, str]:
        """Every flight's state as the server holds it."""
        out = {}
        for fid in self.flights:
            out[fid] = str(self._call("GET", f"/v1/flights/{fid}")["state"])
        return out

    def close(self) -> None:
        """Close the HTTP client if this backend opened it."""
        if self._own_client:
            self.client.close()
