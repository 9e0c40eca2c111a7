"""Demo mode: the Qingdao demo airspace and corridors are loaded, one key per role is made,
and a from/to request is routed over the corridor network."""

from __future__ import annotations

from tests.api.conftest import make_service


def test_demo_airspace_keys_and_corridor_routing(tmp_path):
    svc = make_service(f"sqlite:///{tmp_path / 'demo.sqlite'}", demo=True)
    try:
        c = svc.client
        assert set(svc.app.state.demo_keys) == {"operator", "regulator", "admin"}
        demo_op = {"Authorization": f"Bearer {svc.app.state.demo_keys['operator']}"}
        assert c.get("/v1/me", headers=demo_op).json()["operator_id"] == "OP-DEMO"
        zones = c.get("/v1/zones", headers=svc.h("a")).json()
        assert len(zones) >= 5 and all(z["kind"] == "file" for z in zones)
        svc.drone("a", "DR-A1")
        now = svc.now_s()
        body = {
            "drone": "DR-A1",
            "departure": {"earliest": now + 600, "latest": now + 2400},
            "speed_mps": 12.0,
            "route": {"from": [120.355, 36.090], "to": [120.384, 36.062]},  # Taidong -> Wusi Square
        }
        r = c.post("/v1/flights", json=body, headers=svc.h("a"))
        assert r.status_code == 201, r.text
        f = r.json()
        assert f["status"] in ("approved", "pending"), f
        assert f["route"]["edges"] and len(f["trajectory"]) >= 2
    finally:
        svc.client.close()
        svc.app.state.store.dispose()
