"""``POST /v1/flights`` answered by :class:`api.fast_filing.FastFiling` (a cached operator key)
and by the FastAPI route (an empty key cache) gives the same answers: new, retried, refused."""

from __future__ import annotations

from typing import Any

from api.deps import cached_principal
from tests.api.conftest import EAST


def _post(service, body: dict[str, Any], *, fast: bool, **headers: str):
    key = service.keys["a"]
    if fast:
        # Any request with the key fills the cache; the filing then takes the fast path.
        service.client.get("/v1/flights", headers=service.h("a"))
        assert cached_principal(service.app.state, key) is not None
    else:
        service.app.state.key_cache.clear()
    return service.client.post("/v1/flights", json=body, headers=service.h("a") | headers)


def _body(service, request_id: str, **kw: Any) -> dict[str, Any]:
    now = service.now_s()
    return {
        "request_id": request_id,
        "drone": "DR-A1",
        "departure": {"earliest": now + 600, "latest": now + 1800},
        "speed_mps": 10.0,
        "route": {"waypoints": EAST},
    } | kw


def test_fast_path_and_route_answer_a_filing_and_its_retry_alike(service):
    service.drone("a", "DR-A1")
    for first_fast in (True, False):
        body = _body(service, f"same-{first_fast}")
        r1 = _post(service, body, fast=first_fast)
        r2 = _post(service, body, fast=not first_fast)
        assert (r1.status_code, r2.status_code) == (201, 200), (r1.text, r2.text)
        assert r1.content == r2.content
        assert r1.headers["content-type"] == r2.headers["content-type"] == "application/json"
        assert r1.json()["status"] == "approved"


def test_fast_path_and_route_refuse_alike(service):
    service.drone("a", "DR-A1")
    cases = [
        _body(service, "no-drone", drone="DR-NONE"),  # the service's ApiError
        _body(service, "extra", colour="red"),  # a validation error
        _body(service, "window", departure={"earliest": 5000.0, "latest": 4000.0}),
    ]
    for body in cases:
        fast = _post(service, body, fast=True)
        routed = _post(service, body, fast=False)
        assert fast.status_code == routed.status_code and fast.status_code >= 400, fast.text
        assert fast.content == routed.content
    reused = _body(service, "reused")
    assert _post(service, reused, fast=True).status_code == 201
    changed = reused | {"speed_mps": 11.0}
    fast = _post(service, changed, fast=True)
    routed = _post(service, changed, fast=False)
    assert fast.status_code == routed.status_code == 409
    assert fast.content == routed.content


def test_other_callers_still_get_the_routes_answers(service):
    service.drone("a", "DR-A1")
    body = _body(service, "who")
    service.client.get("/v1/flights", headers=service.h("regulator"))  # a cached regulator
    r = service.client.post("/v1/flights", json=body, headers=service.h("regulator"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = service.client.post("/v1/flights", json=body, headers={"Authorization": "Bearer qk_x"})
    assert r.status_code == 401
    r = service.client.post(
        "/v1/flights",
        content=b'{"drone": ',
        headers=service.h("a") | {"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
