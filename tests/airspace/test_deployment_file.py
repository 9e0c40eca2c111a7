"""Deployments described in TOML files (``QINGKONG_DEPLOYMENT=path``), named ones still by name;
mistakes are named by file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from airspace.deployment import QINGDAO
from airspace.deployment_file import DeploymentFileError, load_deployment
from airspace.projection import Projection
from api.config import Settings

BERN = Path(__file__).resolve().parents[2] / "airspace" / "data" / "deployments" / "bern.toml"


def test_named_and_shipped_deployments():
    assert load_deployment("qingdao") is QINGDAO
    assert Settings(deployment="qingdao").deployment_obj() is QINGDAO
    bern = Settings(deployment=str(BERN)).deployment_obj()
    assert (bern.name, bern.crs, bern.timezone, bern.rules, bern.locale) == (
        "bern",
        None,
        "Europe/Zurich",
        "EU",
        "en",
    )
    assert (bern.separation_horizontal_m, bern.separation_vertical_m) == (0.01, 0.01)
    assert bern.ground_elevation_m + bern.geoid_undulation_m == 589.5
    # the local projection is centred on Bern: the centre maps to (0, 0)
    x, y = Projection.for_deployment(bern).to_xy([7.4774], [46.9749])
    assert abs(x[0]) < 1e-6 and abs(y[0]) < 1e-6


def test_a_file_with_a_crs_and_defaults(tmp_path):
    f = tmp_path / "zurich.toml"
    f.write_text('[centre]\nlon = 8.54\nlat = 47.37\n[projection]\ncrs = "EPSG:2056"\n')
    d = load_deployment(f)
    assert (d.name, d.crs, d.timezone, d.separation_horizontal_m) == (
        "zurich",
        "EPSG:2056",
        QINGDAO.timezone,
        QINGDAO.separation_horizontal_m,
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "[centre]\nlon = 47.0\nlat = 120.0\n",
            "centre.lat: latitude 120.0 is outside -90..90 (lon and lat swapped?)",
        ),
        ('[time]\nzone = "Mars/Olympus"\n', "time.zone: 'Mars/Olympus' is not an IANA time zone"),
        ('[rules]\nset = "XX"\n', "rules.set: unknown rule set 'XX'"),
        (
            '[projection]\ncrs = "EPSG:4326"\n',
            "projection.crs: 'EPSG:4326' is not a metric (projected) CRS",
        ),
        (
            "[separation]\nhorizontal_m = 0\n",
            "separation.horizontal_m: a separation minimum must be above 0 m",
        ),
        ('[separation]\nhorizontal_m = "50"\n', "separation.horizontal_m: expected a number"),
        ("[centre]\nheight = 3\n", "unknown key centre.height; [centre] takes lat, lon"),
        ("[workflow]\nx = 1\n", "unknown entry 'workflow'"),
        ("[centre\n", "not valid TOML"),
    ],
)
def test_mistakes_are_named(tmp_path, text, words):
    f = tmp_path / "place.toml"
    f.write_text(text)
    with pytest.raises(DeploymentFileError) as e:
        load_deployment(f)
    assert words in str(e.value) and "place.toml" in str(e.value)


def test_unknown_names_and_missing_files(tmp_path):
    with pytest.raises(DeploymentFileError, match="neither a known name"):
        load_deployment("atlantis")
    with pytest.raises(ValueError, match="QINGKONG_DEPLOYMENT: .*cannot read"):
        Settings(deployment=str(tmp_path / "missing.toml")).deployment_obj()


def test_a_terrain_model_is_named_relative_to_the_file_and_by_setting(tmp_path):
    from airspace.terrain import QINGDAO_ILLUSTRATIVE_TIF, terrain_for

    f = tmp_path / "laoshan.toml"
    f.write_text('[ground]\nterrain = "dem/laoshan.tif"\n')
    assert load_deployment(f).terrain == str(tmp_path / "dem" / "laoshan.tif")
    f.write_text('[ground]\nterrain = "qingdao-illustrative"\n')
    assert load_deployment(f).terrain == str(QINGDAO_ILLUSTRATIVE_TIF)
    # QINGKONG_TERRAIN: the service's setting; the demo's Qingdao gets the illustrative model
    assert Settings(deployment="qingdao").deployment_obj().terrain is None
    demo = Settings(deployment="qingdao", demo=True).deployment_obj()
    assert demo.terrain == str(QINGDAO_ILLUSTRATIVE_TIF)
    assert terrain_for(demo).illustrative
    assert Settings(demo=True, terrain="none").deployment_obj().terrain is None
    chosen = Settings(terrain=str(QINGDAO_ILLUSTRATIVE_TIF)).deployment_obj()
    assert chosen.terrain == str(QINGDAO_ILLUSTRATIVE_TIF)
    assert Settings(terrain="qingdao-illustrative").deployment_obj().terrain == chosen.terrain
    with pytest.raises(ValueError, match="QINGKONG_TERRAIN: '/nowhere.tif' is not a file"):
        Settings(terrain="/nowhere.tif").deployment_obj()
