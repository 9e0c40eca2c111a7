"""Where the compiled kernels are cached: a folder keyed by the kernels' own source.

numba's on-disk cache checks only the file of each kernel: a kernel that calls a kernel in
another file (``kernels/slot.py`` calls ``kernels/index.py``), or that reads a constant
from one, is loaded stale after an upgrade that changed only the callee, and can then
misbehave or crash. So every kernel is cached under ``<base>/kernels-<digest>``, the
digest being that of all kernel sources together: a change to any of them compiles afresh
into a new folder, and unchanged sources keep finding their cache. ``<base>`` is
``$NUMBA_CACHE_DIR`` when set (workers of a study share it), else
``~/.cache/qingkong/numba``.

:func:`use_keyed_cache_dir` runs when :mod:`planner` is imported, before any kernel is
defined (numba picks a kernel's cache folder when the kernel is decorated).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

PLANNER_DIR = Path(__file__).resolve().parent

KERNEL_SOURCES = ("kernels/*.py", "*_kernels.py", "routing/kernels.py")
"""The files that hold kernels or the constants compiled into them (globs under planner/)."""

DEFAULT_BASE = Path.home() / ".cache" / "qingkong" / "numba"


def kernel_digest() -> str:
    """A short digest of every kernel source file (names and bytes, in a fixed order).

    >>> len(kernel_digest()) == 16 and kernel_digest() == kernel_digest()
    True
    """
    h = hashlib.sha256()
    files = sorted({p for pattern in KERNEL_SOURCES for p in PLANNER_DIR.glob(pattern)})
    for path in files:
        h.update(path.relative_to(PLANNER_DIR).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def keyed_cache_dir(base: str | os.PathLike[str] | None = None) -> Path:
    """The cache folder for these kernel sources under ``base`` (default: see the module).

    >>> keyed_cache_dir("/tmp/nc").name.startswith("kernels-")
    True
    """
    root = Path(base or os.environ.get("NUMBA_CACHE_DIR") or DEFAULT_BASE)
    return root / f"kernels-{kernel_digest()}"


def use_keyed_cache_dir() -> Path:
    """Point numba's cache at :func:`keyed_cache_dir` (for kernels defined from now on)."""
    path = keyed_cache_dir()
    numba.config.CACHE_DIR = str(path)  # type: ignore[attr-defined]  # set from the environment at import
    return path
