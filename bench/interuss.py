"""Benchmark of the InterUSS flight_planning interface against the ``/v1`` API it wraps, in one
process on one store: the same area operations filed as ``PUT /flight_planning/v1/flight_plans``
(RS256 JWT checked on every call, uas_standards parsing, Volume4D conversion) and as
``POST /v1/flights`` (API key), after the same number of accepted flights were seeded.

    python bench/interuss.py --json                 # 1,000 seeded, 300 timed requests each
    python bench/interuss.py --seed-flights 5000 --requests 500 --json

Sequential requests through the in-process ASGI client (no network), so the figures are the
service's own cost per decision. Reports p50 / p99 per interface and the ratio to ``/v1``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import numpy as np
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from api.auth import create_user  # noqa: E402
from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402

LON, LAT = (120.20, 120.50), (36.00, 36.25)
AUDIENCE = "bench.qingkong"


def square(rng: np.random.Generator) -> list[list[float]]:
    lon, lat = rng.uniform(*LON), rng.uniform(*LAT)
    d = rng.uniform(0.001, 0.004)
    return [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d]]


def window(rng: np.random.Generator, day_s: float) -> tuple[datetime, datetime]:
    start = datetime.now(UTC) + timedelta(seconds=600 + rng.uniform(0, day_s))
    return start, start + timedelta(seconds=rng.uniform(600, 1800))


def layer(rng: np.random.Generator) -> tuple[float, float]:
    lower = float(rng.choice(np.arange(0, 100, 20)))
    return lower, lower + 20.0


def v1_body(ring, t0, t1, band) -> dict[str, Any]:
    t = t0.isoformat()
    return {
        "drone": "DR-BENCH",
        "departure": {"earliest": t, "latest": t},
        "route": {
            "area": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            "lower_m": band[0],
            "upper_m": band[1],
            "duration_s": (t1 - t0).total_seconds(),
        },
    }


def interuss_body(ring, t0, t1, band) -> dict[str, Any]:
    def alt(v):
        return {"value": v, "reference": "SFC", "units": "M"}

    return {
        "flight_plan": {
            "basic_information": {
                "usage_state": "Planned",
                "uas_state": "Nominal",
                "area": [
                    {
                        "volume": {
                            "outline_polygon": {
                                "vertices": [{"lng": lon, "lat": lat} for lon, lat in ring]
                            },
                            "altitude_lower": alt(band[0]),
                            "altitude_upper": alt(band[1]),
                        },
                        "time_start": {"value": t0.isoformat().replace("+00:00", "Z")},
                        "time_end": {"value": t1.isoformat().replace("+00:00", "Z")},
                    }
                ],
            },
            "uas": {"serial_number": "1AF49UL5CC5J6K"},
        },
        "execution_style": "IfAllowed",
        "request_id": str(uuid.uuid4()),
    }


def stats_ms(samples: list[float]) -> dict[str, float]:
    a = np.asarray(samples) * 1000.0
    return {
        "p50_ms": round(float(np.median(a)), 2),
        "p99_ms": round(float(np.quantile(a, 0.99)), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed-flights", type=int, default=1000, help="accepted flights seeded first")
    ap.add_argument("--requests", type=int, default=300, help="timed requests per interface")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with tempfile.TemporaryDirectory() as tmp:
        pem = Path(tmp) / "authority.pem"
        pem.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        app = create_app(
            Settings(
                database_url=f"sqlite:///{Path(tmp) / 'qk.sqlite'}",
                interuss_public_keys=str(pem),
                interuss_audience=AUDIENCE,
                max_list=10,
            )
        )
        client = TestClient(app)
        with app.state.store.write() as s:
            api_key = create_user(s, role="operator", operator_id="OP-BENCH")[1]
        v1_h = {"Authorization": f"Bearer {api_key}"}
        drone = {
            "id": "DR-BENCH",
            "serial": "SN-BENCH",
            "empty_weight_kg": 0.9,
            "max_takeoff_weight_kg": 1.5,
            "max_speed_mps": 20.0,
            "capabilities": ["remote_id", "geofencing", "manual_takeover"],
        }
        assert client.post("/v1/drones", json=drone, headers=v1_h).status_code == 201
        day_s = 12 * 3600.0
        t_seed = time.perf_counter()
        for _ in range(args.seed_flights):
            t0, t1 = window(rng, day_s)
            client.post("/v1/flights", json=v1_body(square(rng), t0, t1, layer(rng)), headers=v1_h)
        seed_s = time.perf_counter() - t_seed

        def token() -> str:
            now = int(time.time())
            claims = {
                "sub": "bench",
                "aud": AUDIENCE,
                "exp": now + 600,
                "scope": "interuss.flight_planning.plan",
            }
            return jwt.encode(claims, key, algorithm="RS256")

        fp_h = {"Authorization": f"Bearer {token()}"}
        timings: dict[str, list[float]] = {"v1": [], "interuss": []}
        outcomes: dict[str, dict[str, int]] = {"v1": {}, "interuss": {}}
        notes: dict[str, Any] = {}
        for i in range(args.requests + 5):
            # alternate so that both see the same growing airspace; each its own flight
            for name in ("v1", "interuss"):
                ring, (t0, t1), band = square(rng), window(rng, day_s), layer(rng)
                t = time.perf_counter()
                if name == "v1":
                    r = client.post("/v1/flights", json=v1_body(ring, t0, t1, band), headers=v1_h)
                    result = r.json()["status"]
                else:
                    r = client.put(
                        f"/flight_planning/v1/flight_plans/{uuid.uuid4()}",
                        json=interuss_body(ring, t0, t1, band),
                        headers=fp_h,
                    )
                    result = r.json()["planning_result"]
                if i < 5:
                    continue  # warm-up: first uses of each code path
                timings[name].append(time.perf_counter() - t)
                outcomes[name][result] = outcomes[name].get(result, 0) + 1
                if result in ("Rejected", "rejected", "pending") and not notes.get(name):
                    notes[name] = r.json().get("notes") or r.json().get("reasons")
        t = time.perf_counter()
        for _ in range(200):
            app.state.interuss_verifier.verify(
                fp_h["Authorization"][7:], ["interuss.flight_planning.plan"]
            )
        verify_ms = (time.perf_counter() - t) / 200 * 1000.0
        client.close()
        app.state.store.dispose()
    v1, fp = stats_ms(timings["v1"]), stats_ms(timings["interuss"])
    out = {
        "seeded_flights": args.seed_flights,
        "seed_s": round(seed_s, 1),
        "requests_per_interface": args.requests,
        "v1": v1 | {"outcomes": outcomes["v1"]},
        "interuss": fp | {"outcomes": outcomes["interuss"]},
        "ratio_p50": round(fp["p50_ms"] / v1["p50_ms"], 2),
        "ratio_p99": round(fp["p99_ms"] / v1["p99_ms"], 2),
        "jwt_verify_ms": round(verify_ms, 3),
        "first_refusal": notes,
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
