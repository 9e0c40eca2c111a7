"""Small GeoJSON builders shared by the test packages (hand-made corridor networks)."""

from __future__ import annotations


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
