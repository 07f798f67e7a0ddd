"""The garbage collector's pace while a scan builds and keeps its trees.

astroid turns each module into tens of thousands of small objects that point at each other
(every node knows its parent), and a scan keeps all of them until it ends. At CPython's
default thresholds the collector looks at the young objects every 700 allocations and, every
hundred of those looks, walks the whole heap: as the trees pile up it walks them again and
again, and can free none of them. That was 4 of the 11.6 s of a scan of saleor. For the
length of a scan, collections are rarer, as mypy makes them for the same reason; the previous
thresholds come back when it ends.

Rarer is not never: with the thresholds raised, the young generations grow to millions of
objects, and each look at them (1.8 s of a one-process scan of saleor) still found only trees
that the scan keeps. So each tree, once built, is set aside (`set_aside`): the garbage made
while building it is freed, and what is left is frozen out of the collector's sight until the
scan ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

SCAN_THRESHOLDS = (200_000, 30, 30)

_scans = 0  # scans under way: what is set aside is given back when the outermost ends


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _scans
    before = gc.get_threshold()
    gc.set_threshold(*SCAN_THRESHOLDS)
    _scans += 1
    try:
        yield
    finally:
        _scans -= 1
        if not _scans:
            gc.unfreeze()  # the trees are the collector's again, to free when their holders drop them
        gc.set_threshold(*before)


def set_aside() -> None:
    """Within a scan, what has been built lives until the scan ends: free the garbage among the
    youngest objects (those made since the last call), then freeze the rest. Outside a scan,
    nothing: frozen objects would never be freed."""
    if _scans:
        gc.collect(0)
        gc.freeze()
