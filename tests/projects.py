"""Copies of the fixture projects for tests that change them or keep a cache beside them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def copy_fixture(name: str, destination: Path) -> Path:
    """A copy of `fixtures/<name>` at `destination`, without the cache that `make demo` or a
    scan of the fixture leaves in it: a test that means to start cold must not find one."""
    return Path(shutil.copytree(FIXTURES / name, destination, ignore=shutil.ignore_patterns(".prodready_cache")))


def kept_facts_file(root: Path) -> Path:
    """The file in which a run over `root` kept its modules' facts."""
    (found,) = (root / ".prodready_cache").rglob("*.facts")
    return found


def read_kept_facts(path: Path) -> dict[str, dict]:
    """The entries of a kept facts file, each with its facts as the dict they were written from."""
    from analyzer.cache import unpack_facts

    unpacked = unpack_facts(path.read_bytes())
    assert unpacked is not None, "not a facts file this prodready writes"
    modules, texts = unpacked
    for entry in modules.values():
        if "facts" in entry:
            start, length = entry["facts"]
            entry["facts"] = json.loads(bytes(texts[start:start + length]))
    return modules


def write_kept_facts(path: Path, modules: dict[str, dict]) -> None:
    from analyzer.cache import pack_facts

    path.write_bytes(pack_facts(modules))
