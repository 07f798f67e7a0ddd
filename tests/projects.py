"""Copies of the fixture projects for tests that change them or keep a cache beside them."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def copy_fixture(name: str, destination: Path) -> Path:
    """A copy of `fixtures/<name>` at `destination`, without the cache that `make demo` or a
    scan of the fixture leaves in it: a test that means to start cold must not find one."""
    return Path(shutil.copytree(FIXTURES / name, destination, ignore=shutil.ignore_patterns(".prodready_cache")))
