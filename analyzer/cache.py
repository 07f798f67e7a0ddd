"""The result of a whole run, kept in `.prodready_cache/` at the project's root, so that checking
an unchanged tree again costs a walk of its files and a hash of their bytes.

A run depends on prodready's version, the configuration, the paths checked, and every file it
reads: the checked ones and the rest of the project, which the index reads. All of it goes into
the key, so any change to any of it makes a new run; nothing is ever served stale. Findings are
kept before the baseline is applied, because the baseline file may change on its own.

The cache is a convenience: a cache that cannot be read or written is ignored, never an error.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from .config import Config
from .model import Finding, Summary

CACHE_DIR = ".prodready_cache"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# prodready's cache: https://bford.info/cachedir/\n"


class RunCache:
    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_DIR

    def key(self, config: Config, paths: list[str], files: list[Path]) -> str | None:
        """The fingerprint of a run, or None when a file cannot be read (the run will say why)."""
        digest = hashlib.blake2b(digest_size=32)
        digest.update(_settings(config, paths).encode())
        for path in sorted(files):
            try:
                content = path.read_bytes()
            except OSError:
                return None
            digest.update(f"\0{path}\0{len(content)}\0".encode())
            digest.update(content)
        return digest.hexdigest()

    def load(self, config: Config, paths: list[str], key: str) -> tuple[list[Finding], Summary, dict[str, str]] | None:
        try:
            data = json.loads(self._file(config, paths).read_text(encoding="utf-8"))
            if data.get("key") != key:
                return None
            findings = [Finding.model_validate(f) for f in data["findings"]]
            summary = Summary.model_validate(data["summary"])
            return findings, summary, dict(data["sources"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, config: Config, paths: list[str], key: str, findings: list[Finding], summary: Summary,
              sources: dict[str, str]) -> None:
        data = {
            "key": key,
            "findings": [f.model_dump(mode="json") for f in findings],
            "summary": summary.model_dump(mode="json"),
            "sources": {path: sources[path] for path in {f.path for f in findings} if path in sources},
        }
        try:
            self._prepare()
            target = self._file(config, paths)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".tmp")
            partial.write_text(json.dumps(data), encoding="utf-8")
            partial.replace(target)
        except OSError:
            pass

    def _prepare(self) -> None:
        """Mark the folder as a cache for backup tools and as ignored for git (and for discovery)."""
        self.folder.mkdir(exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# Created by prodready\n*\n")):
            if not (self.folder / name).exists():
                (self.folder / name).write_text(text, encoding="utf-8")

    def _file(self, config: Config, paths: list[str]) -> Path:
        """One file per configuration and set of paths, overwritten by each run of them."""
        from . import __version__  # the package imports this module while it is being set up

        name = hashlib.blake2b(_settings(config, paths).encode(), digest_size=12).hexdigest()
        return self.folder / __version__ / f"{name}.json"


def _settings(config: Config, paths: list[str]) -> str:
    from . import __version__

    return json.dumps({"version": __version__, "config": config.model_dump(mode="json"), "paths": sorted(paths)},
                      sort_keys=True)


def clean(root: Path) -> bool:
    """Remove the project's cache; whether there was one."""
    folder = root / CACHE_DIR
    if not folder.is_dir():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True

