"""Zone files named in ``QINGKONG_ZONE_FILES`` are published when the service starts, updated
when a file changed, and a missing file is named."""

from __future__ import annotations

import json

import pytest

from api.config import Settings
from api.main import create_app


def zone_doc(upper_m: float) -> dict:
    ring = [[120.30, 36.10], [120.31, 36.10], [120.31, 36.11], [120.30, 36.11], [120.30, 36.10]]
    return {
        "UASZoneList": [
            {
                "identifier": "TEST-PARK",
                "country": "CHN",
                "name": "test park",
                "type": "COMMON",
                "restriction": "PROHIBITED",
                "reason": ["OTHER"],
                "applicability": [{"permanent": "YES"}],
                "geometry": [
                    {
                        "uomDimensions": "M",
                        "lowerLimit": 0,
                        "lowerVerticalReference": "AGL",
                        "upperLimit": upper_m,
                        "upperVerticalReference": "AGL",
                        "horizontalProjection": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        ]
    }


def test_zone_files_load_at_start_and_follow_changes(tmp_path):
    f = tmp_path / "zones.ed269.json"
    f.write_text(json.dumps(zone_doc(100)))
    db = f"sqlite:///{tmp_path / 'qk.sqlite'}"
    app = create_app(Settings(database_url=db, zone_files=str(f), warmup=False))
    zone = app.state.airspace.zones["TEST-PARK"]
    assert zone.volumes[0].upper_m == 100
    app.state.store.dispose()
    f.write_text(json.dumps(zone_doc(150)))
    app = create_app(Settings(database_url=db, zone_files=str(f), warmup=False))
    assert app.state.airspace.zones["TEST-PARK"].volumes[0].upper_m == 150
    app.state.store.dispose()


def test_a_missing_zone_file_is_named(tmp_path):
    with pytest.raises(ValueError, match="QINGKONG_ZONE_FILES: .*nowhere.json does not exist"):
        create_app(
            Settings(
                database_url=f"sqlite:///{tmp_path / 'qk.sqlite'}",
                zone_files=str(tmp_path / "nowhere.json"),
                warmup=False,
            )
        )
