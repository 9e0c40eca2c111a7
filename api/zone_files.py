"""Zone files named in the settings (``QINGKONG_ZONE_FILES``), published when the service
starts: each zone is stored (or updated when its file changed) before the airspace loads, so a
deployment outside Qingdao starts with its own restrictions."""

from __future__ import annotations

from pathlib import Path

from airspace.deployment import Deployment
from airspace.formats import load_zones, zones_to_ed269
from airspace.zones import Zone
from api.airspace_state import AirspaceState
from api.models import ZoneRow
from api.store import Store, utcnow


def zone_file_paths(setting: str) -> list[Path]:
    """The paths of a comma-separated ``QINGKONG_ZONE_FILES`` value.

    Examples
    --------
    >>> [p.name for p in zone_file_paths(" a.json, b/c.geojson ,")]
    ['a.json', 'c.geojson']
    """
    return [Path(p.strip()) for p in setting.split(",") if p.strip()]


def read_zone_files(setting: str, deployment: Deployment) -> list[Zone]:
    """Every zone of the configured files; a ``ValueError`` names a file that cannot be read."""
    zones: list[Zone] = []
    for path in zone_file_paths(setting):
        if not path.is_file():
            raise ValueError(f"QINGKONG_ZONE_FILES: {path} does not exist")
        try:
            zones.extend(load_zones(path, deployment=deployment))
        except ValueError as e:
            raise ValueError(f"QINGKONG_ZONE_FILES: {path}: {e}") from None
    return zones


def publish_zone_files(store: Store, setting: str, deployment: Deployment) -> int:
    """Store the zones of the configured files; returns how many were added or changed."""
    zones = read_zone_files(setting, deployment)
    changed = 0
    with store.write(airspace=True) as s:
        now = utcnow()
        for z in zones:
            source = zones_to_ed269([z])
            row = s.get(ZoneRow, z.identifier)
            if row is not None and not row.withdrawn and row.source == source:
                continue
            if row is None:
                row = ZoneRow(id=z.identifier, created_at=now, version=0)
                s.add(row)
            row.kind, row.source, row.restriction = "file", source, str(z.restriction)
            row.withdrawn, row.version, row.updated_at = False, (row.version or 0) + 1, now
            AirspaceState.log_event(s, "zone", z.identifier, {"action": "publish"})
            changed += 1
    return changed
