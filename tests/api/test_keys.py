"""API keys: a server started without ``--demo`` prints no secret; demo keys are replaced at
each demo start; keys can expire; admins list and revoke them (API and CLI)."""

from __future__ import annotations

import json
import re
import time

from click.testing import CliRunner

from cli.main import main as cli
from tests.api.conftest import make_service
from tests.process import free_port, spawn_server, wait_ready


def test_serve_without_demo_prints_no_key_and_demo_replaces_old_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    seen = []
    for demo in (False, True, True):
        port, log = free_port(), tmp_path / f"serve-{len(seen)}.log"
        proc = spawn_server(url, port, log, demo=demo)
        try:
            wait_ready(f"http://127.0.0.1:{port}", proc, log)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        text = log.read_text()
        keys = dict(re.findall(r"demo (\w+) key: (\S+)", text))
        assert ("qk_" in text) == demo, text
        seen.append(keys)
    assert set(seen[1]) == {"operator", "regulator", "admin"}
    # The second demo start revoked the first one's keys.
    svc = make_service(url)
    try:
        old = {"Authorization": f"Bearer {seen[1]['admin']}"}
        new = {"Authorization": f"Bearer {seen[2]['admin']}"}
        assert svc.client.get("/v1/me", headers=old).status_code == 401
        assert svc.client.get("/v1/me", headers=new).status_code == 200
        listed = svc.client.get("/v1/users", headers=new).json()
        demo = [u for u in listed if u["name"] == "demo admin"]
        assert [u["status"] for u in demo] == ["revoked", "active"]
        assert all(re.search(r"(Z|[+-]\d\d:\d\d)$", u["expires_at"]) for u in demo), demo
    finally:
        svc.client.close()
        svc.app.state.store.dispose()


def test_keys_expire_and_admins_revoke_them(service):
    c, admin = service.client, service.h("admin")
    r = c.post(
        "/v1/users",
        json={"role": "operator", "operator_id": "OP-A", "expires_in_s": 1},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    short = {"Authorization": f"Bearer {r.json()['key']}"}
    assert c.get("/v1/me", headers=short).status_code == 200
    time.sleep(1.2)
    r = c.get("/v1/me", headers=short)
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]

    me = c.get("/v1/me", headers=service.h("b")).json()
    assert c.post(f"/v1/users/{me['id']}/revoke", headers=service.h("regulator")).status_code == 403
    r = c.post(f"/v1/users/{me['id']}/revoke", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert c.get("/v1/me", headers=service.h("b")).status_code == 401
    assert c.post("/v1/users/999999/revoke", headers=admin).status_code == 404
    listed = {u["id"]: u for u in c.get("/v1/users", headers=admin).json()}
    assert listed[me["id"]]["status"] == "revoked"
    assert "key" not in listed[me["id"]] and listed[me["id"]]["key_prefix"].startswith("qk_")


def test_user_creation_refuses_unknown_operators_in_plain_words(service):
    c, admin = service.client, service.h("admin")
    r = c.post("/v1/users", json={"role": "operator", "operator_id": "OP-NOPE"}, headers=admin)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["fields"][0]["field"] == "operator_id" and "POST /v1/operators" in err["message"]
    r = c.post("/v1/users", json={"role": "operator"}, headers=admin)
    assert r.status_code == 422 and "--" not in r.json()["error"]["message"]
    assert "operator_id" in r.json()["error"]["message"]
    ops = [o["id"] for o in c.get("/v1/operators", headers=service.h("regulator")).json()]
    assert "OP-NOPE" not in ops


def test_cli_creates_lists_and_revokes_keys(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    run = CliRunner().invoke
    r = run(
        cli,
        [
            "users",
            "create",
            "--role",
            "regulator",
            "--database",
            db,
            "--expires-in",
            "12h",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    made = json.loads(r.output)
    assert made["expires_at"] and made["key"].startswith("qk_")
    r = run(cli, ["users", "create", "--role", "admin", "--database", db, "--expires-in", "soon"])
    assert r.exit_code == 2 and "12h" in r.output
    r = run(cli, ["users", "list", "--database", db])
    assert r.exit_code == 0 and "regulator" in r.output and "active" in r.output
    assert made["key"] not in r.output and "+08:00" in r.output  # Qingdao time
    r = run(cli, ["users", "revoke", str(made["id"]), "--database", db])
    assert r.exit_code == 0 and "revoked" in r.output
    r = run(cli, ["users", "list", "--database", db, "--json"])
    assert json.loads(r.output)[0]["status"] == "revoked"
    r = run(cli, ["users", "revoke", "qk_nope", "--database", db])
    assert r.exit_code == 2 and "no API key" in r.output


def test_every_timestamp_on_the_wire_has_an_offset(service):
    service.drone("a", "DR-A1")
    stamps = [
        o["created_at"]
        for o in service.client.get("/v1/operators", headers=service.h("regulator")).json()
    ]
    stamps.append(
        service.client.get("/v1/drones/DR-A1", headers=service.h("a")).json()["created_at"]
    )
    assert stamps and all(re.search(r"(Z|[+-]\d\d:\d\d)$", t) for t in stamps), stamps
