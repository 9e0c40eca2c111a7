"""The space-time index of accepted flights: grid cells x time buckets -> segments.

Accepted route segments and area operations are filed under every (cell, time bucket) key
their bounding box covers; a query with the swept box of a new request (grown by the
separation minima and the delay window) returns the candidate segments as contiguous
arrays for the exact kernels. Cost per query depends on the local traffic density, not on
how many flights the day holds, so a fuller or longer day does not slow decisions down.
The table itself is a numba-managed hash (:mod:`planner.kernels.index`).
"""

from __future__ import annotations

import numpy as np

from planner.index_query import Candidates, swept_boxes
from planner.kernels.index import (
    index_compact,
    index_insert,
    index_key_count,
    index_query,
    outward_float32_row,
    segment_boxes,
)
from planner.trajectory import AreaOp, Trajectory4D

__all__ = [
    "COMPACT_MIN_ENTRIES",
    "KIND_AREA",
    "KIND_SEGMENT",
    "LAYER_M",
    "Candidates",
    "SpaceTimeIndex",
    "outward_float32",
    "swept_boxes",
]

LAYER_M = 15.0
"""Default thickness of the index's altitude layers (metres)."""

COMPACT_MIN_ENTRIES = 8192
"""Entries filed since the last compaction before the table is compacted again (at least;
also half of the compacted entries, so compaction costs O(1) amortised per entry)."""

KIND_SEGMENT = 0
KIND_AREA = 1


def outward_float32(boxes: np.ndarray, t_origin_s: float = 0.0) -> np.ndarray:
    """Boxes ``xmin, xmax, ymin, ymax, zmin, zmax, tmin, tmax`` as the index keeps them:
    float32, times counted from ``t_origin_s``, each bound rounded outwards so that the
    float32 box contains the float64 one.

    >>> b = outward_float32(np.array([[0.1, 0.1, -1e9 - 1, 1e9 + 1, 0, 0, 86400.3, 86400.3]]))
    >>> bool(b[0, 0] <= 0.1 <= b[0, 1] and b[0, 2] <= -1e9 - 1 and b[0, 3] >= 1e9 + 1)
    True
    """
    out = np.empty(boxes.shape, dtype=np.float32)
    for i in range(boxes.shape[0]):
        outward_float32_row(np.ascontiguousarray(boxes[i], dtype=np.float64), t_origin_s, out[i])
    return out


class SpaceTimeIndex:
    """Accepted flights filed by grid cell and time bucket.

    Parameters
    ----------
    cell_m : float
        Side of a grid cell in metres.
    bucket_s : float
        Length of a time bucket in seconds.
    layer_m : float
        Thickness of an altitude layer of the grid in metres.

    Notes
    -----
    Not thread-safe: one writer or reader at a time (the service serialises decisions).
    A removed flight's slot and item storage are reused by later flights, so memory follows
    the flights filed; ``flight_id(slot)`` is valid while the flight is filed.

    Examples
    --------
    >>> import numpy as np
    >>> idx = SpaceTimeIndex(1000.0, 300.0)
    >>> idx.insert("F1", 0, np.array([[0, 0, 60, 0], [900, 0, 60, 60.0]]))
    >>> box = np.array([[-50, 50, -50, 50, 0, 100, 0, 10.0]])
    >>> c = idx.candidates(box)
    >>> [idx.flight_id(int(s)) for s in c.seg_owner]
    ['F1']
    """

    def __init__(self, cell_m: float = 1000.0, bucket_s: float = 300.0, layer_m: float = LAYER_M):
        if not (cell_m > 0 and bucket_s > 0 and layer_m > 0):
            raise ValueError("cell_m, bucket_s and layer_m must be positive")
        self.cell_m = float(cell_m)
        self.bucket_s = float(bucket_s)
        self.layer_m = float(layer_m)
        self._n_items = 0
        self._item_box = np.zeros((1024, 8))
        self._item_seg = np.zeros((1024, 8))
        self._item_kind = np.zeros(1024, dtype=np.int8)
        self._item_owner = np.zeros(1024, dtype=np.int64)
        self._item_alive = np.zeros(1024, dtype=np.bool_)
        self._stamp = np.zeros(1024, dtype=np.int64)
        self._stamp_value = 0
        self._areas: dict[int, AreaOp] = {}
        self._slots: dict[str, int] = {}
        self._slot_items: dict[int, np.ndarray] = {}
        self._slot_ids: list[str] = []
        self._slot_id_array = np.empty(256, dtype=object)
        self.priority = np.zeros(256, dtype=np.int64)
        """Priority of each flight slot."""
        self.filed_seq = np.zeros(256, dtype=np.int64)
        """When each slot's flight was filed (a counter): names come in filing order."""
        self._next_seq = 0
        self._free_slots: list[int] = []
        self._dead_entries = 0
        self._live_entries = 0
        self._t_origin_s = 0.0
        self._reset_table(1 << 12, 1 << 12)

    # ------------------------------------------------------------------ storage
    def _reset_table(self, hash_cap: int, entry_cap: int) -> None:
        self._keys = np.full(hash_cap, -1, dtype=np.int64)
        self._heads = np.full(hash_cap, -1, dtype=np.int64)
        self._entry_item = np.zeros(entry_cap, dtype=np.int32)
        self._entry_next = np.zeros(entry_cap, dtype=np.int32)
        self._entry_box = np.zeros((entry_cap, 8), dtype=np.float32)
        self._counters = np.zeros(2, dtype=np.int64)
        self._compacted = 0

    def _compact(self) -> None:
        """Lay every key's entries out contiguously (and drop dead ones): a query then walks
        memory in order instead of chasing entries filed at different times."""
        cap = self._entry_item.shape[0]
        new_item = np.empty(cap, dtype=np.int32)
        new_next = np.empty(cap, dtype=np.int32)
        new_box = np.empty((cap, 8), dtype=np.float32)
        n = int(
            index_compact(
                self._keys,
                self._heads,
                self._entry_item,
                self._entry_next,
                self._entry_box,
                self._item_alive,
                new_item,
                new_next,
                new_box,
            )
        )
        self._entry_item, self._entry_next, self._entry_box = new_item, new_next, new_box
        self._counters[0] = n
        self._compacted = n
        self._live_entries = n
        self._dead_entries = 0

    def _grow_items(self, need: int) -> None:
        cap = self._item_box.shape[0]
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name in (
            "_item_box",
            "_item_seg",
            "_item_kind",
            "_item_owner",
            "_item_alive",
            "_stamp",
        ):
            old = getattr(self, name)
            arr = np.zeros((new, *old.shape[1:]), dtype=old.dtype)
            arr[:cap] = old
            setattr(self, name, arr)

    def _file(self, boxes: np.ndarray, ids: np.ndarray) -> None:
        added = int(index_key_count(boxes, self.cell_m, self.bucket_s, self.layer_m))
        used_e, used_k = int(self._counters[0]), int(self._counters[1])
        hash_cap, entry_cap = self._keys.shape[0], self._entry_item.shape[0]
        if used_e + added > entry_cap or 2 * (used_k + added) > hash_cap:
            self._rebuild(extra=added)
        self._insert(boxes, ids)
        self._live_entries += added
        if int(self._counters[0]) - self._compacted > max(
            COMPACT_MIN_ENTRIES, self._compacted // 2
        ):
            self._compact()

    def _insert(self, boxes: np.ndarray, ids: np.ndarray) -> None:
        """File items ``ids`` with ``boxes`` under their keys (the caller made room)."""
        if self._counters[0] == 0 and boxes.shape[0]:
            self._t_origin_s = float(np.floor(boxes[:, 6].min()))
        index_insert(
            boxes,
            self._t_origin_s,
            ids,
            self.cell_m,
            self.bucket_s,
            self.layer_m,
            self._keys,
            self._heads,
            self._entry_item,
            self._entry_next,
            self._entry_box,
            self._counters,
        )

    def _renumber_items(self) -> None:
        """Move the alive items to the front (ids ``0..n-1``): removed flights' items are
        reused, so item storage follows the flights filed, not every flight ever filed."""
        n = self._n_items
        alive = np.flatnonzero(self._item_alive[:n])
        if alive.shape[0] == n:
            return
        new_id = np.full(n, -1, dtype=np.int64)
        new_id[alive] = np.arange(alive.shape[0])
        for name in ("_item_box", "_item_seg", "_item_kind", "_item_owner", "_stamp"):
            arr = getattr(self, name)
            arr[: alive.shape[0]] = arr[alive]
        self._item_alive[:n] = False
        self._item_alive[: alive.shape[0]] = True
        self._n_items = int(alive.shape[0])
        self._slot_items = {s: new_id[ids] for s, ids in self._slot_items.items()}
        self._areas = {int(new_id[i]): a for i, a in self._areas.items()}

    def _rebuild(self, extra: int = 0) -> None:
        """Re-file every alive item into a table with room for ``extra`` more entries."""
        self._renumber_items()
        alive = np.arange(self._n_items)
        boxes = np.ascontiguousarray(self._item_box[: self._n_items])
        live = int(index_key_count(boxes, self.cell_m, self.bucket_s, self.layer_m))
        need = live + extra
        cap = 1 << 12
        while cap < 2 * need:
            cap <<= 1
        self._reset_table(2 * cap, cap)
        self._insert(boxes, alive.astype(np.int64))
        self._compact()

    # ------------------------------------------------------------------ public
    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, flight_id: object) -> bool:
        return flight_id in self._slots

    def flight_id(self, slot: int) -> str:
        """The flight id filed under a slot number."""
        return self._slot_ids[slot]

    def flight_ids(self, slots: np.ndarray) -> list[str]:
        """The flight ids filed under several slot numbers, in their order."""
        return self._slot_id_array[slots].tolist()

    def slot(self, flight_id: str) -> int:
        """The slot number of a filed flight."""
        return self._slots[flight_id]

    def insert(
        self, flight_id: str, priority: int, flight: Trajectory4D | np.ndarray | AreaOp
    ) -> None:
        """File an accepted flight (route trajectory or area operation).

        Parameters
        ----------
        flight_id : str
            Unique id; filing the same id twice is an error (remove it first).
        priority : int
            Its priority (higher wins).
        flight : Trajectory4D, float64 (n, 4) array or AreaOp
            Where and when it flies, in metres and planner seconds, delays applied.
        """
        if flight_id in self._slots:
            raise ValueError(f"flight {flight_id!r} is already in the index; remove it first")
        if isinstance(flight, AreaOp):
            boxes = flight.box[None, :]
            segs = np.zeros((1, 8))
            kind = KIND_AREA
        else:
            traj = flight if isinstance(flight, Trajectory4D) else Trajectory4D(flight)
            segs, boxes = segment_boxes(traj.xyzt, 0.0, 0.0)
            kind = KIND_SEGMENT
        boxes = np.ascontiguousarray(boxes, dtype=np.float64)
        if self._free_slots:  # a removed flight's slot
            slot = self._free_slots.pop()
            self._slot_ids[slot] = flight_id
        else:
            slot = len(self._slot_ids)
            self._slot_ids.append(flight_id)
        if slot >= self.priority.shape[0]:
            self.priority = np.concatenate([self.priority, np.zeros_like(self.priority)])
            self.filed_seq = np.concatenate([self.filed_seq, np.zeros_like(self.filed_seq)])
            self._slot_id_array = np.concatenate(
                [self._slot_id_array, np.empty_like(self._slot_id_array)]
            )
        self._slot_id_array[slot] = flight_id
        self.priority[slot] = int(priority)
        self.filed_seq[slot] = self._next_seq
        self._next_seq += 1
        n = boxes.shape[0]
        first = self._n_items
        self._grow_items(first + n)
        ids = np.arange(first, first + n, dtype=np.int64)
        self._item_box[ids] = boxes
        self._item_seg[ids] = segs
        self._item_kind[ids] = kind
        self._item_owner[ids] = slot
        self._item_alive[ids] = True
        self._n_items += n
        if kind == KIND_AREA:
            self._areas[first] = flight  # type: ignore[assignment]
        self._slots[flight_id] = slot
        self._slot_items[slot] = ids
        self._file(boxes, ids)

    def remove(self, flight_id: str) -> None:
        """Take a flight out (cancelled, ended, revoked or re-planned); unknown ids are an error."""
        try:
            slot = self._slots.pop(flight_id)
        except KeyError:
            raise KeyError(f"flight {flight_id!r} is not in the index") from None
        ids = self._slot_items.pop(slot)
        self._free_slots.append(slot)
        self._item_alive[ids] = False
        for i in ids:
            self._areas.pop(int(i), None)
        dead = int(
            index_key_count(
                np.ascontiguousarray(self._item_box[ids]), self.cell_m, self.bucket_s, self.layer_m
            )
        )
        self._dead_entries += dead
        self._live_entries -= dead
        if self._dead_entries > max(4096, self._live_entries):
            self._rebuild()

    def table(self) -> tuple:
        """The arrays a fused kernel walks, after a fresh dedup stamp (see
        :func:`planner.kernels.slot.route_slot_search`): ``cell_m, bucket_s, layer_m,
        t_origin_s, keys, heads, entry_item, entry_next, entry_box, item_alive, item_kind,
        item_seg, item_owner, stamp, stamp_value``. Valid until the next insert or remove."""
        self._stamp_value += 1
        return (
            self.cell_m,
            self.bucket_s,
            self.layer_m,
            self._t_origin_s,
            self._keys,
            self._heads,
            self._entry_item,
            self._entry_next,
            self._entry_box,
            self._item_alive,
            self._item_kind,
            self._item_seg,
            self._item_owner,
            self._stamp,
            self._stamp_value,
        )

    def flights(self) -> list[str]:
        """Ids of the flights filed."""
        return list(self._slots)

    def candidates(self, qboxes: np.ndarray) -> Candidates:
        """Filed segments and area operations whose boxes overlap any query box.

        Parameters
        ----------
        qboxes : float64 (q, 8)
            ``xmin, xmax, ymin, ymax, zmin, zmax, tmin, tmax`` per query box (grow them by
            the separation minima and the delay window first: see :func:`swept_boxes`).

        Returns
        -------
        Candidates
        """
        q = np.ascontiguousarray(qboxes, dtype=np.float64).reshape(-1, 8)
        self._stamp_value += 1
        items = index_query(
            q,
            self.cell_m,
            self.bucket_s,
            self.layer_m,
            self._t_origin_s,
            self._keys,
            self._heads,
            self._entry_item,
            self._entry_next,
            self._entry_box,
            self._item_alive,
            self._stamp,
            self._stamp_value,
        )
        kinds = self._item_kind[items]
        seg_items = items[kinds == KIND_SEGMENT]
        areas = [(int(self._item_owner[i]), self._areas[int(i)]) for i in items[kinds == KIND_AREA]]
        return Candidates(
            np.ascontiguousarray(self._item_seg[seg_items]),
            np.ascontiguousarray(self._item_owner[seg_items]),
            areas,
        )
