"""The collector during a scan: trees set aside while it runs, all given back when it ends."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import analyzer
from analyzer.collector import fewer_collections, set_aside
from analyzer.config import discover_config
from analyzer.engine import build_project_index

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "django_saas"


class Node:
    """Stands for a tree: it points at itself, so only the collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_what_is_set_aside_stays_out_of_collections_until_the_scan_ends() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        node = Node()
        kept = weakref.ref(node)
        set_aside()
        del node  # garbage now, but in a cycle that only a collection finds
        gc.collect()
        assert kept() is not None, "a frozen object was looked at by a collection"
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    gc.collect()
    assert kept() is None, "what a scan set aside could not be freed after it"


def test_garbage_made_before_setting_aside_is_freed_then() -> None:
    with fewer_collections():
        gc.freeze()  # what the test process made so far is not the point
        dropped = weakref.ref(Node())
        set_aside()
        assert dropped() is None


def test_outside_a_scan_nothing_is_frozen() -> None:
    set_aside()
    assert gc.get_freeze_count() == 0


def test_scans_nested_or_not_leave_nothing_frozen() -> None:
    config = discover_config(FIXTURE)
    with fewer_collections():  # a caller's own scan around prodready's
        report = analyzer.analyze([FIXTURE], config)
        assert gc.get_freeze_count() > 0, "the outer scan ended with the inner one"
    assert report.findings
    assert gc.get_freeze_count() == 0
    index, _ = build_project_index([FIXTURE], config)
    assert index.models
    assert gc.get_freeze_count() == 0
