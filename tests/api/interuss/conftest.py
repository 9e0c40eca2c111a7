"""Fixtures of the InterUSS interface tests: an RSA key pair made here, a token factory, the
service at the Bern deployment (F3548 volume semantics) with optional zone files, and flight
plans built as ``uas_standards`` objects from the shared InterUSS intent files."""

from __future__ import annotations

import json
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from implicitdict import ImplicitDict
from uas_standards.interuss.automated_testing.flight_planning.v1 import api as fp

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2 (DESIGN.md pitfalls)
    from fastapi.testclient import TestClient

from airspace.zones import FEET_M
from api.config import Settings
from api.main import create_app
from planner.interuss import TIME_EVENTS, load_intents, volume4d_from_template
from planner.volume4d import translate_volume4d

ROOT = Path(__file__).resolve().parents[3]
BERN_TOML = ROOT / "airspace" / "data" / "deployments" / "bern.toml"
BERN = (7.4774, 46.9749)
BERN_GROUND_W84_M = 540.0 + 49.5
AUDIENCE = "qingkong.test"
PLAN = "interuss.flight_planning.plan"
DIRECT = "interuss.flight_planning.direct_automated_test"
QUERY = "interuss.geospatial_map.query"
GM_DIRECT = "interuss.geospatial_map.direct_automated_test"
ALL_SCOPES = f"{PLAN} {DIRECT} {QUERY} {GM_DIRECT}"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass
class Uss:
    """The service under test and a client holding tokens signed by the test authority."""

    app: Any
    client: TestClient
    key: rsa.RSAPrivateKey

    def token(self, scope: str = ALL_SCOPES, *, sub: str = "uss_qualifier", **claims: Any) -> str:
        now = int(time.time())
        payload = {"sub": sub, "scope": scope, "aud": AUDIENCE, "iat": now, "exp": now + 600}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self.key, algorithm="RS256")

    def h(self, scope: str = ALL_SCOPES, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(scope, **kw)}"}

    def put(self, plan_id: str, plan: fp.FlightPlan, style: str = "IfAllowed", **kw: Any):
        body = fp.UpsertFlightPlanRequest(
            flight_plan=plan, execution_style=style, request_id=str(uuid.uuid4())
        )
        r = self.client.put(
            f"/flight_planning/v1/flight_plans/{plan_id}",
            content=json.dumps(body),
            headers={**self.h(**kw), "Content-Type": "application/json"},
        )
        assert r.status_code == 200, r.text
        return ImplicitDict.parse(r.json(), fp.UpsertFlightPlanResponse)


@pytest.fixture(scope="module")
def authority_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def make_uss(
    tmp_path: Path, authority_key: rsa.RSAPrivateKey, db_url: str
) -> Iterator[Callable[..., Uss]]:
    """A service on the store of ``db_url`` (SQLite, and PostgreSQL when configured)."""
    made: list[Uss] = []

    def make(**settings: Any) -> Uss:
        assert not made, "one service per test: two would share the store"
        pem = tmp_path / "authority.pem"
        pem.write_bytes(public_pem(authority_key))
        base: dict[str, Any] = {
            "database_url": db_url,
            "deployment": str(BERN_TOML),
            "interuss_public_keys": str(pem),
            "interuss_audience": f"other.example, {AUDIENCE}",
            # the che intents hold area operations of up to two days (Qingdao's bound is 12 h)
            "max_flight_duration_s": 3 * 86400.0,
        }
        app = create_app(Settings(**(base | settings)))
        uss = Uss(app, TestClient(app), authority_key)
        made.append(uss)
        return uss

    yield make
    for uss in made:
        uss.client.close()
        uss.app.state.store.dispose()


@pytest.fixture
def uss(make_uss: Callable[..., Uss]) -> Uss:
    return make_uss()


@pytest.fixture(scope="module")
def intents(interop: Path) -> dict[str, dict[str, Any]]:
    """Every shared InterUSS intent, by ``<file stem>/<intent name>``."""
    out = {}
    for folder in ("flight_intents_standard", "che"):
        for path in sorted((interop / "interuss_monitoring" / folder).glob("*.yaml")):
            if path.name == "flight_auths.yaml":
                continue
            for name, intent in load_intents(path).items():
                out[f"{path.stem}/{name}"] = intent
    return out


def flight_plan(
    intent: dict[str, Any],
    *,
    at: datetime | None = None,
    move: bool = True,
    **basic: Any,
) -> fp.FlightPlan:
    """A ``uas_standards`` FlightPlan from a resolved intent template: its times resolved at
    ``at`` (default now), moved from 0 N 0 E to Bern keeping metres (standard intents) with
    their WGS84 heights lifted onto Bern's ground."""
    now = at or datetime.now(UTC)
    times = dict.fromkeys(TIME_EVENTS, now)
    info = dict(intent["basic_information"])
    area = []
    for item in info["area"]:
        v4 = volume4d_from_template(item, times)
        if move:
            v4 = translate_volume4d(v4, to_lonlat=BERN, altitude_offset_m=BERN_GROUND_W84_M)
        for key in ("altitude_lower", "altitude_upper"):
            alt = v4["volume"].get(key)
            if alt and alt.get("units") == "FT":  # the interface takes metres only
                v4["volume"][key] = {**alt, "value": alt["value"] * FEET_M, "units": "M"}
        area.append(v4)
    info["area"] = area
    info.update(basic)
    plan = {"basic_information": info}
    for key in ("astm_f3548_21", "uspace_flight_authorisation"):
        if intent.get(key):
            plan[key] = intent[key]
    return ImplicitDict.parse(json.loads(json.dumps(plan, default=str)), fp.FlightPlan)
