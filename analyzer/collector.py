"""The garbage collector's pace while a scan builds and keeps its trees.

astroid turns each module into tens of thousands of small objects that point at each other
(every node knows its parent), and a scan keeps all of them until it ends. At CPython's
default thresholds the collector looks at the young objects every 700 allocations and, every
hundred of those looks, walks the whole heap: as the trees pile up it walks them again and
again, and can free none of them. That was 4 of the 11.6 s of a scan of saleor. For the
length of a scan, collections are rarer, as mypy makes them for the same reason; the previous
thresholds come back when it ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

SCAN_THRESHOLDS = (200_000, 30, 30)


@contextmanager
def fewer_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*SCAN_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
