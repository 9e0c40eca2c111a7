"""Competent units by control sub-region (CN-2024-ART26-COMPETENT-UNIT): a flight inside one
sub-region goes to its unit, one crossing sub-regions or leaving them to the region's unit;
compared with a plain point-in-rectangle count on random flights."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airspace.units import QINGDAO_UNITS_PATH, load_units
from airspace.workflow import CN_WORKFLOW


def _file(tmp_path, features, region="R"):
    p = tmp_path / "units.geojson"
    p.write_text(
        json.dumps({"type": "FeatureCollection", "region_unit": region, "features": features})
    )
    return p


def _square(unit, x0, y0, x1, y1):
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"unit": unit},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.5, 2.5), st.floats(-0.5, 1.5)), min_size=1, max_size=6))
def test_the_competent_unit_matches_a_plain_count(tmp_path_factory, points):
    tmp = tmp_path_factory.mktemp("units")
    units = load_units(_file(tmp, [_square("A", 0, 0, 1, 1), _square("B", 1, 0, 2, 1)]))

    def inside(x, y, x0, x1):
        return x0 <= x <= x1 and 0 <= y <= 1

    per_point = [
        {u for u, (x0, x1) in (("A", (0, 1)), ("B", (1, 2))) if inside(x, y, x0, x1)}
        for x, y in points
    ]
    hit = set().union(*per_point)
    expected = hit.pop() if all(per_point) and len(hit) == 1 else "R"
    assert units.competent(points) == expected
    assert CN_WORKFLOW.unit_rule == "CN-2024-ART26-COMPETENT-UNIT"


def test_the_qingdao_units_file_and_its_errors(tmp_path):
    u = load_units(QINGDAO_UNITS_PATH)
    assert u.known() == ["QD-REGION", "QD-WEST", "QD-EAST"] and "illustrative" in u.region_name
    with pytest.raises(ValueError, match="features\\[0\\].properties.unit"):
        load_units(_file(tmp_path, [{"type": "Feature", "properties": {}, "geometry": None}]))
    with pytest.raises(ValueError, match="region_unit"):
        load_units(_file(tmp_path, [], region=""))
