"""Access tokens as the InterUSS interfaces expect them: RS256, exp/nbf/aud checked, scopes
enforced per endpoint; every refusal is a 401 or 403 that says why, never a 500."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from tests.api.interuss.conftest import DIRECT, PLAN, QUERY, new_key

STATUS = "/flight_planning/v1/status"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refused(uss, token: str, status: int, path: str = STATUS) -> str:
    r = uss.client.get(path, headers=bearer(token))
    assert r.status_code == status, r.text
    return r.json()["error"]["message"]


def test_a_valid_token_with_the_scope_is_accepted(uss):
    assert uss.client.get(STATUS, headers=uss.h(DIRECT)).json()["status"] == "Ready"
    assert (
        uss.client.get(
            "/geospatial_map/v1/status",
            headers=uss.h("interuss.geospatial_map.direct_automated_test"),
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("claims", "status", "words"),
    [
        ({"exp": int(time.time()) - 60}, 401, "expired"),
        ({"nbf": int(time.time()) + 600}, 401, "not valid yet"),
        ({"aud": "someone-else.example"}, 401, "audience"),
        ({"aud": None}, 401, "'aud'"),
        ({"sub": None}, 401, "'sub'"),
        ({"exp": None}, 401, "'exp'"),
    ],
)
def test_bad_claims_are_401_with_the_reason(uss, claims, status, words):
    assert words in refused(uss, uss.token(DIRECT, **claims), status)


def test_wrong_scope_is_403_naming_the_scope_needed(uss):
    message = refused(uss, uss.token(PLAN), 403)
    assert DIRECT in message
    r = uss.client.post("/geospatial_map/v1/map/queries", json={"checks": []}, headers=uss.h(PLAN))
    assert r.status_code == 403 and QUERY in r.json()["error"]["message"]


def test_forged_garbled_and_missing_tokens_are_401(uss):
    now = int(time.time())
    claims = {"sub": "x", "scope": DIRECT, "aud": "qingkong.test", "exp": now + 600}
    forged = jwt.encode(claims, new_key(), algorithm="RS256")
    assert "signature" in refused(uss, forged, 401)
    hs256 = jwt.encode(claims, "a shared secret long enough for hmac sha256", algorithm="HS256")
    assert "RS256" in refused(uss, hs256, 401)
    assert "not a JWT" in refused(uss, "not.a.jwt", 401)
    assert uss.client.get(STATUS).status_code == 401
    assert (
        uss.client.get(STATUS, headers={"Authorization": "Basic dXNlcjpwdw=="}).status_code == 401
    )


def test_without_keys_configured_every_token_is_refused(make_uss):
    uss = make_uss(interuss_public_keys="", interuss_audience="")
    assert "QINGKONG_INTERUSS_PUBLIC_KEYS" in refused(uss, uss.token(DIRECT), 401)


def test_the_v1_api_keeps_its_own_keys(uss):
    r = uss.client.get("/v1/flights", headers=uss.h(DIRECT))
    assert r.status_code == 401


def test_keys_from_a_jwks_url(make_uss, authority_key):
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(authority_key.public_key()))
    jwk.update(kid="test-key-1", use="sig", alg="RS256")
    payload = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
        uss = make_uss(interuss_public_keys=url)
        now = int(time.time())
        claims = {"sub": "x", "scope": DIRECT, "aud": "qingkong.test", "exp": now + 600}
        good = jwt.encode(claims, authority_key, algorithm="RS256", headers={"kid": "test-key-1"})
        assert uss.client.get(STATUS, headers=bearer(good)).status_code == 200
        unknown = jwt.encode(claims, authority_key, algorithm="RS256", headers={"kid": "other"})
        assert "JWKS" in refused(uss, unknown, 401)
    finally:
        server.shutdown()
        server.server_close()


def test_v1_accepts_jwts_when_the_deployment_says_so(make_uss):
    uss = make_uss(v1_accepts_jwt=True)
    r = uss.client.post(
        "/v1/drones",
        json={"id": "DR-J", "serial": "SN-J", "max_takeoff_weight_kg": 1.5, "max_speed_mps": 15.0},
        headers=uss.h("qingkong.operator", sub="city-op-7"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["operator_id"] == "uss-city-op-7"
    mine = uss.client.get("/v1/drones", headers=uss.h("qingkong.operator", sub="city-op-7")).json()
    theirs = uss.client.get(
        "/v1/drones", headers=uss.h("qingkong.operator", sub="city-op-8")
    ).json()
    assert [d["id"] for d in mine] == ["DR-J"] and theirs == []
    zone = {
        "id": "J-ZONE",
        "restriction": "PROHIBITED",
        "geometry": {"type": "Circle", "center": [120.3, 36.1], "radius_m": 100},
        "lower_m": 0,
        "upper_m": 100,
    }
    assert (
        uss.client.post("/v1/zones", json=zone, headers=uss.h("qingkong.operator")).status_code
        == 403
    )
    assert uss.client.get("/v1/flights", headers=uss.h(DIRECT)).status_code == 403
    expired = uss.token("qingkong.regulator", exp=int(time.time()) - 60)
    assert uss.client.get("/v1/flights", headers=bearer(expired)).status_code == 401
