"""Write ``qingdao-terrain-illustrative.tif``: the Qingdao demo's ILLUSTRATIVE terrain model.

Not survey data. A synthetic Laoshan massif (崂山) rises to 1,132 m at 120.62E 36.17N, with a
lower ridge running north-east; everything else is sea level (0 m), the city included, so
flights in the city see the flat ground they saw before. Grid: EPSG:4326, 0.005 degree cells
(about 450 m x 555 m) over 120.0-120.9E, 35.8-36.5N; int16 metres, deflate-compressed; the
GeoTIFF tags say ``ILLUSTRATIVE=yes``.

Run from the repository root (deterministic: the same bytes every time)::

    .venv/bin/python airspace/data/make_qingdao_terrain.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

CELL_DEG = 0.005
WEST, NORTH = 119.9975, 36.5025  # cell centres fall on 120.000, 120.005, ... / 36.500, ...
COLS, ROWS = 181, 141
PEAK_M = 1132.0
PEAK_LON, PEAK_LAT = 120.62, 36.17
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LON = 111.0 * np.cos(np.radians(PEAK_LAT))


def _dome(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float, r_km: float) -> np.ndarray:
    """A smooth dome, 1 at its centre and 0 from ``r_km`` on: (1 - (d/r)^2)^2."""
    d2 = ((lon - lon0) * KM_PER_DEG_LON) ** 2 + ((lat - lat0) * KM_PER_DEG_LAT) ** 2
    return np.clip(1.0 - d2 / r_km**2, 0.0, None) ** 2


def elevation_m() -> np.ndarray:
    """The grid, north row first (as GeoTIFFs store it)."""
    lon = WEST + CELL_DEG * (np.arange(COLS) + 0.5)
    lat = NORTH - CELL_DEG * (np.arange(ROWS) + 0.5)
    glon, glat = np.meshgrid(lon, lat)
    main = PEAK_M * _dome(glon, glat, PEAK_LON, PEAK_LAT, 9.0)
    ridge = 620.0 * _dome(glon, glat, 120.66, 36.23, 6.0)
    return np.rint(np.maximum(main, ridge)).astype(np.int16)


def main(out: Path = Path(__file__).parent / "qingdao-terrain-illustrative.tif") -> None:
    """Write the GeoTIFF."""
    grid = elevation_m()
    with rasterio.open(
        out,
        "w",
        driver="GTiff",
        width=COLS,
        height=ROWS,
        count=1,
        dtype="int16",
        crs="EPSG:4326",
        transform=Affine(CELL_DEG, 0.0, WEST, 0.0, -CELL_DEG, NORTH),
        compress="deflate",
        nodata=-32768,
    ) as ds:
        ds.write(grid, 1)
        ds.update_tags(
            ILLUSTRATIVE="yes",
            DESCRIPTION="ILLUSTRATIVE terrain for the qingkong Qingdao demo: a synthetic "
            "Laoshan massif (1132 m at 120.62E 36.17N), sea level elsewhere. Not survey data.",
            UNITS="metres above mean sea level",
        )
    print(f"{out}: {out.stat().st_size} bytes, highest {grid.max()} m")


if __name__ == "__main__":
    main()
