"""True height over terrain: a route's altitudes are heights above the ground at its waypoints,
the drone flies straight between them, and the ceiling is judged on the height above the ground
below every part of the leg (generated DEMs; flat ground without one)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import rasterio
from affine import Affine

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from airspace.projection import Projection
from airspace.terrain import read_terrain
from planner.decision import Planner
from planner.requests import FlightRequest, ReasonCode, Status, WaypointRoute
from planner.true_height import route_true_height

EPOCH = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LIGHT = Drone("DR-L", operator_id="OP-1", drone_class="light", max_speed_mps=20.0)
A = (120.380, 36.070)
B = (120.400, 36.070)  # 1.8 km east of A
WEST, NORTH, CELL = 120.370, 36.080, 0.001  # ~90 m cells
COLS, ROWS = 41, 21


def dem(tmp_path, ground_of_lon) -> str:
    """A DEM over A-B whose ground depends on longitude only (cell centres)."""
    lon = WEST + CELL * (np.arange(COLS) + 0.5)
    grid = np.tile([ground_of_lon(x) for x in lon], (ROWS, 1)).astype(np.float32)
    path = tmp_path / "dem.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=COLS,
        height=ROWS,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(CELL, 0.0, WEST, 0.0, -CELL, NORTH),
    ) as ds:
        ds.write(grid, 1)
    return str(path)


def valley(lon: float) -> float:
    """100 m plateaus around A and B, the sea-level valley between them."""
    return 100.0 if lon < 120.384 or lon > 120.396 else 0.0


def hill(lon: float) -> float:
    """Sea level at A and B, a 60 m hill half-way."""
    return 60.0 if 120.388 < lon < 120.392 else 0.0


def flight(fid: str, alt_m: float) -> FlightRequest:
    route = WaypointRoute(((*A, 0.0), (*A, alt_m), (*B, alt_m), (*B, 0.0)))
    return FlightRequest(fid, LIGHT, route, 300.0, 3000.0, 10.0, 0)


def decide(terrain: str | None, alt_m: float):
    planner = Planner(QINGDAO.with_(terrain=terrain), epoch=EPOCH)
    return planner.decide(flight("F-1", alt_m), 0.0)[0]


def test_over_a_valley_60_m_above_both_ends_is_160_m_true_height(tmp_path):
    flat = decide(None, 60.0)
    assert flat.status == Status.APPROVED
    d = decide(dem(tmp_path, valley), 60.0)
    assert d.status == Status.PENDING
    (ceiling,) = [r for r in d.reasons if r.code == ReasonCode.CEILING]
    assert ceiling.rule == "CN-2024-CEILING-120"
    assert ceiling.detail["altitude_m"] == pytest.approx(160.0)
    assert 120.384 < ceiling.detail["lon"] < 120.396  # over the valley floor
    assert ceiling.message.startswith("160.0 m true height at 120.3")
    assert "above the 120 m true-height ceiling" in ceiling.message


def test_a_hill_under_the_route_lowers_the_true_height_and_stays_legal(tmp_path):
    d = decide(dem(tmp_path, hill), 100.0)
    assert d.status == Status.APPROVED  # 40 m above the hilltop, 100 m at the ends
    th = route_true_height(
        np.array([[*A, 0.0], [*A, 100.0], [*B, 100.0], [*B, 0.0]]),
        read_terrain(dem(tmp_path, hill)),
        Projection.for_deployment(QINGDAO),
    )
    assert th.max_m == pytest.approx(100.0)
    assert th.min_m == pytest.approx(0.0)  # take-off and landing on the ground
    lows = route_true_height(
        np.array([[*A, 100.0], [*B, 100.0]]),
        read_terrain(dem(tmp_path, hill)),
        Projection.for_deployment(QINGDAO),
    )
    assert lows.min_m == pytest.approx(40.0)
    assert 120.388 < lows.where_min[0] < 120.392


def test_a_leg_through_the_hill_is_refused(tmp_path):
    d = decide(dem(tmp_path, hill), 50.0)
    assert d.status == Status.REJECTED
    (terrain,) = [r for r in d.reasons if r.code == ReasonCode.TERRAIN]
    assert terrain.detail["true_height_m"] == pytest.approx(-10.0)
    assert terrain.detail["leg"] == 1
    assert "10.0 m below the ground at 120.3" in terrain.message


def test_level_ground_keeps_the_flat_answer_and_words(tmp_path):
    # a DEM that is level (30 m) under the whole route: same decision, same text as flat ground
    path = dem(tmp_path, lambda _lon: 30.0)
    for alt in (60.0, 150.0):
        a, b = decide(None, alt), decide(path, alt)
        assert (a.status, [r.to_json() for r in a.reasons]) == (
            b.status,
            [r.to_json() for r in b.reasons],
        )


def test_samples_are_dense_enough_to_see_a_one_cell_valley(tmp_path):
    # one ~90 m cell of 0 m in a 200 m plateau: a leg sampled only at its ends would miss it
    path = dem(tmp_path, lambda lon: 0.0 if abs(lon - 120.3905) < 1e-4 else 200.0)
    th = route_true_height(
        np.array([[*A, 50.0], [*B, 50.0]]), read_terrain(path), Projection.for_deployment(QINGDAO)
    )
    assert th.max_m > 120.0
    assert abs(th.where_max[0] - 120.3905) < 0.0006


def test_validation_hands_the_highest_true_height_to_the_workflow(tmp_path):
    from planner.validation import validate

    planner = Planner(QINGDAO.with_(terrain=dem(tmp_path, valley)), epoch=EPOCH)
    checked = validate(flight("F-1", 60.0), 0.0, planner.ruleset, heights=planner.true_height)
    assert checked.true_height_m == pytest.approx(160.0)  # what who_must_apply is given
    flat = Planner(QINGDAO, epoch=EPOCH)
    assert validate(flight("F-1", 60.0), 0.0, flat.ruleset).true_height_m == 60.0
