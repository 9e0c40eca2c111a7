"""API keys and roles: who may do what, and keys are never stored in clear."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from api.models import ApiUser
from cli.main import main as qingkong


def test_requests_without_a_valid_key_are_refused(service):
    c = service.client
    assert c.get("/v1/drones").status_code == 401
    r = c.get("/v1/drones", headers={"Authorization": "Bearer qk_not-a-real-key"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert c.get("/v1/health").status_code == 200  # health needs no key


def test_roles_are_enforced(service):
    c = service.client
    zone = {
        "id": "TFR-1",
        "restriction": "PROHIBITED",
        "geometry": {"type": "Circle", "center": [120.3, 36.1], "radius_m": 200},
        "lower_m": 0,
        "upper_m": 120,
    }
    assert c.post("/v1/zones", json=zone, headers=service.h("a")).status_code == 403
    assert c.get("/v1/reviews", headers=service.h("a")).status_code == 403
    assert (
        c.post("/v1/users", json={"role": "admin"}, headers=service.h("regulator")).status_code
        == 403
    )
    me = c.get("/v1/me", headers=service.h("a")).json()
    assert me["role"] == "operator" and me["operator_id"] == "OP-A"


def test_admin_creates_a_key_that_works_and_only_its_hash_is_stored(service):
    c = service.client
    r = c.post("/v1/operators", json={"id": "OP-NEW"}, headers=service.h("admin"))
    assert r.status_code == 201, r.text
    r = c.post(
        "/v1/users", json={"role": "operator", "operator_id": "OP-NEW"}, headers=service.h("admin")
    )
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    me = c.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert me["operator_id"] == "OP-NEW"
    with service.app.state.store.session() as s:
        stored = [u.key_hash for u in s.execute(select(ApiUser)).scalars()]
    assert key not in stored and all(len(h) == 64 for h in stored)
    bad = c.post("/v1/users", json={"role": "operator"}, headers=service.h("admin"))
    assert bad.status_code == 422 and "operator" in bad.json()["error"]["message"]


def test_cli_users_create_prints_a_working_key(service, db_url):
    r = CliRunner().invoke(
        qingkong,
        [
            "users",
            "create",
            "--role",
            "operator",
            "--operator",
            "OP-SF",
            "--json",
            "--database",
            db_url,
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert (
        out["role"] == "operator" and out["operator_id"] == "OP-SF" and out["key"].startswith("qk_")
    )
    me = service.client.get("/v1/me", headers={"Authorization": f"Bearer {out['key']}"}).json()
    assert me["operator_id"] == "OP-SF"
    bad = CliRunner().invoke(
        qingkong, ["users", "create", "--role", "operator", "--database", db_url]
    )
    assert bad.exit_code == 2 and "--operator" in bad.output
