"""Edge blocks: which zone volumes touch which corridor edge layers, and while they are
active, as CSR arrays the router's searches read.

An edge flown at layer altitude ``h`` is hit by a zone volume that intersects the corridor
(centreline buffered by half its width) with a band overlapping ``[h - S_v/2, h + S_v/2]``;
PROHIBITED volumes block it, REQ_AUTHORISATION volumes are reported. Active intervals are
planner seconds over a two-day window from the departure's day (open-ended at its ends).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import numpy as np
import shapely

from airspace.clock import Clock
from airspace.corridors import CompiledNetwork
from airspace.schedule import active_seconds
from airspace.zones import Restriction, Zone

WINDOW_S = 86400.0
"""Zone schedules are read per window of this length (planner seconds), two at a time."""


@dataclass
class LayerChoice:
    """The edge layers of one layer offset and the zone hits on them."""

    edge_slot: np.ndarray
    edge_alt_m: np.ndarray
    block_edge: np.ndarray
    block_zone: np.ndarray
    auth_edge: np.ndarray
    auth_zone: np.ndarray
    blocks: dict[tuple[datetime, int], tuple[tuple, tuple]] = field(default_factory=dict)
    """Per zone window (see :meth:`EdgeBlocks.zone_intervals`): the edge block and authorisation
    CSR arrays of this layer choice."""


class EdgeBlocks:
    """Zone hits on the edge layers of a compiled network (see the module docstring).

    Parameters
    ----------
    compiled : CompiledNetwork
    edge_geoms : list of LineString
        Edge centrelines in the deployment projection (metres), in compiled edge order.
    slot_alt_m : ndarray
        The distinct layer altitudes.
    separation_vertical_m : float
        ``S_v`` for the layer slabs.
    tz : tzinfo
        The deployment's time zone (zone schedules are read in it).
    """

    def __init__(
        self,
        compiled: CompiledNetwork,
        edge_geoms: list[Any],
        slot_alt_m: np.ndarray,
        separation_vertical_m: float,
        tz: tzinfo,
    ):
        self.compiled = compiled
        self._edge_geoms = edge_geoms
        self.slot_alt_m = slot_alt_m
        self.separation_vertical_m = separation_vertical_m
        self.tz = tz
        self.set_zones(None)

    def set_zones(self, zone_index: Any) -> None:
        """(Re)compute which zone volumes touch which edge layers (after zones change)."""
        self.zones: list[Zone] = list(zone_index.zones) if zone_index is not None else []
        c = self.compiled
        hit_e: list[int] = []
        hit_col: list[int] = []
        hit_z: list[int] = []
        hit_auth: list[bool] = []
        if zone_index is not None and c.n_edges and len(zone_index.volumes):
            buffers = shapely.buffer(np.array(self._edge_geoms, dtype=object), c.width_m / 2.0)
            ei, vi = zone_index.tree.query(buffers, predicate="intersects")
            half = self.separation_vertical_m / 2.0
            for e, v in zip(ei.tolist(), vi.tolist(), strict=True):
                vol = zone_index.volumes[v]
                zone = self.zones[vol.zone_index]
                if zone.restriction == Restriction.PROHIBITED:
                    auth = False
                elif zone.restriction == Restriction.REQ_AUTHORISATION:
                    auth = True
                else:
                    continue
                for col in range(int(c.layer_count[e])):
                    h = c.layers_m[e, col]
                    if vol.lower_agl_m < h + half and vol.upper_agl_m > h - half:
                        hit_e.append(e)
                        hit_col.append(col)
                        hit_z.append(vol.zone_index)
                        hit_auth.append(auth)
        self.hit_e = np.array(hit_e, dtype=np.int64)
        self._hit_col = np.array(hit_col, dtype=np.int64)
        self._hit_z = np.array(hit_z, dtype=np.int64)
        self._hit_auth = np.array(hit_auth, dtype=bool)
        self._choices: dict[int, LayerChoice] = {}
        self._zone_windows: dict[
            tuple[datetime, int], tuple[np.ndarray, np.ndarray, np.ndarray]
        ] = {}

    def choice(self, layer_offset: int) -> LayerChoice:
        """The edge layers flown at ``layer_offset`` and their zone hits (remembered)."""
        ch = self._choices.get(layer_offset)
        if ch is not None:
            return ch
        c = self.compiled
        col = np.minimum(layer_offset, c.layer_count - 1)
        usable = c.layer_count > 0
        alt = np.where(usable, c.layers_m[np.arange(c.n_edges), np.maximum(col, 0)], np.nan)
        slot = np.where(usable, np.searchsorted(self.slot_alt_m, np.nan_to_num(alt)), -1).astype(
            np.int64
        )
        keep = self._hit_col == col[self.hit_e] if self.hit_e.size else np.zeros(0, dtype=bool)
        blk = keep & ~self._hit_auth
        ath = keep & self._hit_auth
        ch = LayerChoice(
            edge_slot=slot,
            edge_alt_m=alt,
            block_edge=self.hit_e[blk],
            block_zone=self._hit_z[blk],
            auth_edge=self.hit_e[ath],
            auth_zone=self._hit_z[ath],
        )
        self._choices[layer_offset] = ch
        return ch

    def zone_intervals(
        self, epoch: datetime, depart_s: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Active intervals of every zone over a two-day window from the departure's day:
        CSR ``(ptr, lo_s, hi_s)`` by zone index."""
        day = int(math.floor(depart_s / WINDOW_S))
        key = (epoch, day)
        got = self._zone_windows.get(key)
        if got is not None:
            return got
        lo_s, hi_s = day * WINDOW_S, (day + 2) * WINDOW_S
        clock = Clock(epoch, self.tz)
        t0, t1 = clock.to_datetime(lo_s), clock.to_datetime(hi_s)
        ptr = [0]
        los: list[float] = []
        his: list[float] = []
        for z in self.zones:
            for a_s, b_s in active_seconds(z, clock, t0, t1):
                los.append(a_s)
                his.append(b_s)
            ptr.append(len(los))
        # Outside the window nothing is known: treat the window's ends as open-ended.
        lo_arr, hi_arr = np.array(los, dtype=np.float64), np.array(his, dtype=np.float64)
        lo_arr[lo_arr <= lo_s] = -np.inf
        hi_arr[hi_arr >= hi_s] = np.inf
        got = (np.array(ptr, dtype=np.int64), lo_arr, hi_arr)
        if len(self._zone_windows) > 16:
            self._zone_windows.clear()
        self._zone_windows[key] = got
        return got

    def edge_blocks(
        self, edges: np.ndarray, zones: np.ndarray, zint: tuple[np.ndarray, np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """CSR ``(ptr, lo_s, hi_s, zone)`` of the intervals during which each edge is hit."""
        zptr, zlo, zhi = zint
        m = self.compiled.n_edges
        counts = zptr[zones + 1] - zptr[zones]
        rep_e = np.repeat(edges, counts)
        rep_z = np.repeat(zones, counts)
        starts = np.repeat(zptr[zones], counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        idx = starts + within
        order = np.argsort(rep_e, kind="stable")
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.add.at(ptr, rep_e + 1, 1)
        return np.cumsum(ptr), zlo[idx][order], zhi[idx][order], rep_z[order]

    def for_query(
        self, choice: LayerChoice, epoch: datetime, depart_s: float
    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        """The block and authorisation CSR arrays of ``choice`` for a departure at
        ``depart_s`` (remembered per window)."""
        zint = self.zone_intervals(epoch, depart_s)
        key = (epoch, int(math.floor(depart_s / WINDOW_S)))
        got = choice.blocks.get(key)
        if got is None:
            if len(choice.blocks) > 16:
                choice.blocks.clear()
            got = choice.blocks[key] = (
                self.edge_blocks(choice.block_edge, choice.block_zone, zint),
                self.edge_blocks(choice.auth_edge, choice.auth_zone, zint),
            )
        return got
