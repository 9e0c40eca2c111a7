"""What the test packages share: the one small city they fly over and the one epoch they start
at (:data:`CITY`, :data:`EPOCH`, :data:`PROJECTION`, also as the ``qingdao``, ``epoch`` and
``projection`` fixtures of ``tests/conftest.py``), and small GeoJSON builders (hand-made
corridor networks)."""

from __future__ import annotations

from datetime import datetime

from airspace.deployment import QINGDAO
from airspace.projection import Projection

CITY = QINGDAO
"""The city the tests fly over: the Qingdao deployment (Asia/Shanghai, CN rules)."""
EPOCH = datetime(2026, 12, 1, 7, tzinfo=CITY.tz)
"""The tests' day: Tuesday 1 December 2026, 07:00 local (the Qingdao sample days' start)."""
PROJECTION = Projection.for_deployment(CITY)
"""The city's metric frame."""


def corridor(cid, coords, lower=60, upper=120, width=40, speed=18, **extra):
    """A corridor LineString Feature with the properties ``airspace.corridors`` reads."""
    props = {
        "id": cid,
        "lower_m": lower,
        "upper_m": upper,
        "width_m": width,
        "speed_max_mps": speed,
    }
    props.update(extra)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": coords},
    }
