"""Bad input never becomes a 500: every 4xx names the field, payloads and vertices are bounded."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import EAST


def test_unparsable_json_is_a_400(service):
    r = service.client.post(
        "/v1/flights",
        content=b"{not json",
        headers=service.h("a") | {"content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_json"


def test_unknown_and_mistyped_fields_are_named(service):
    service.drone("a", "DR-A1")
    now = service.now_s()
    base = {
        "drone": "DR-A1",
        "departure": {"earliest": now + 600, "latest": now + 900},
        "route": {"waypoints": EAST},
    }
    c = service.client
    r = c.post("/v1/flights", json=base | {"colour": "red"}, headers=service.h("a"))
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "body.colour"
    r = c.post("/v1/flights", json=base | {"speed_mps": True}, headers=service.h("a"))
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"].startswith(
        "body.speed_mps"
    )
    r = c.post(
        "/v1/flights", json=base | {"route": {"waypoints": [[120.3, 36.1]]}}, headers=service.h("a")
    )
    assert r.status_code == 422 and "waypoints" in r.json()["error"]["message"]
    r = c.post(
        "/v1/flights",
        json=base | {"departure": {"earliest": "tomorrow", "latest": 1}},
        headers=service.h("a"),
    )
    assert r.status_code == 422 and "departure.earliest" in r.json()["error"]["fields"][0]["field"]
    r = c.post("/v1/flights", json=base | {"drone": "DR-NOPE"}, headers=service.h("a"))
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "drone"


def test_payload_and_vertex_limits(db_url):
    from tests.api.conftest import make_service

    svc = make_service(db_url, max_payload_bytes=20_000, max_vertices=50)
    try:
        svc.drone("a", "DR-A1")
        now = svc.now_s()
        many = [[120.30 + i * 1e-4, 36.10, 60.0] for i in range(60)]
        body = {
            "drone": "DR-A1",
            "departure": {"earliest": now + 600, "latest": now + 900},
            "route": {"waypoints": many},
        }
        r = svc.client.post("/v1/flights", json=body, headers=svc.h("a"))
        assert r.status_code == 413 and "vertices" in r.json()["error"]["message"]
        huge = {"drone": "DR-A1", "pad": "x" * 30_000}
        r = svc.client.post("/v1/flights", json=huge, headers=svc.h("a"))
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    finally:
        svc.client.close()
        svc.app.state.store.dispose()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
flight_like = st.fixed_dictionaries(
    {},
    optional={
        "drone": st.sampled_from(["DR-A1", "DR-B1", ""]) | st.integers(),
        "departure": st.fixed_dictionaries({"earliest": json_values, "latest": json_values})
        | json_values,
        "route": st.fixed_dictionaries({"waypoints": json_values}) | json_values,
        "speed_mps": json_values,
        "priority": json_values,
        "request_id": json_values,
    },
)


def test_random_bodies_never_give_a_server_error(service):
    service.drone("a", "DR-A1")

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=flight_like | json_values)
    def check(body):
        r = service.client.post("/v1/flights", json=body, headers=service.h("a"))
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert r.json()["error"]["message"]

    check()


def test_wrong_content_type_is_415_naming_json(service):
    for ctype, payload in (
        ("text/plain", b'{"drone": "x"}'),
        ("application/x-www-form-urlencoded", b"drone=x"),
        ("application/xml", b"<flight/>"),
    ):
        r = service.client.post(
            "/v1/flights", content=payload, headers=service.h("a") | {"content-type": ctype}
        )
        assert r.status_code == 415, (ctype, r.text)
        assert "application/json" in r.json()["error"]["message"]
        assert ctype in r.json()["error"]["message"]


def test_non_finite_numbers_are_named_as_such(service):
    service.drone("a", "DR-A1")
    r = service.client.get("/v1/geo/point?lon=120&lat=nan&start=0&end=10", headers=service.h("a"))
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0] == {
        "field": "query.lat",
        "message": "must be a finite number",
    }
    now = service.now_s()
    r = service.client.post(
        "/v1/flights",
        content=(
            f'{{"drone": "DR-A1", "speed_mps": NaN, "departure": {{"earliest": {now + 600},'
            f' "latest": {now + 900}}}, "route": {{"waypoints": {EAST}}}}}'
        ),
        headers=service.h("a") | {"content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"][0]["message"] == "must be a finite number"


def test_audit_filters_out_of_the_columns_range_are_a_422(service):
    """PostgreSQL keeps key ids as 32-bit integers: a larger ``actor`` was a 500 there."""
    c, reg = service.client, service.h("regulator")
    for params in ({"actor": -4398046511104}, {"actor": 2**31}, {"offset": 2**63}):
        r = c.get("/v1/audit", params=params, headers=reg)
        assert r.status_code == 422, (params, r.text)
    assert c.get("/v1/audit", params={"actor": 2**31 - 1}, headers=reg).status_code == 200
