"""A scan as the command line and the library run it: find the files, answer from the run
cache when nothing changed, else run both passes (`analyzer.engine`), and apply the baseline.

Kept apart from the passes so that a run the cache answers imports no parser: astroid,
sqlglot, tree-sitter and the rules took 0.3 s to import, two thirds of a warm run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .cache import FactCache, FileCache, RunCache
from .collector import fewer_collections
from .config import Config, discover_config
from .model import Report
from .suppress import Baseline
from .workspace import Contents, discover

Progress = Callable[[int, int], None]


def analyze(paths: Iterable[str | Path], config: Config | None = None,
            progress: Progress | None = None, cache: bool = False, jobs: int = 1) -> Report:
    """Analyse files and folders; returns every finding that survives suppressions and baseline.
    With `cache`, an unchanged run is answered from `.prodready_cache/`, and in a changed one
    only the files whose findings may have changed are analysed again (see `analyzer.cache`).
    With `jobs` over 1, the files are parsed and analysed in that many forked processes, where
    forking is safe (the command line passes the number of cores; a library caller with threads
    of its own should not)."""
    started = time.perf_counter()
    paths = [Path(p) for p in paths] or [Path(".")]
    config = config or discover_config(paths[0])
    files, skipped = discover(paths, config)
    others = other_project_files(paths, files, config)
    run_cache = RunCache(config.root) if cache and config.root is not None else None
    names = [str(p.resolve()) for p in paths]
    contents: Contents = {}  # read for the key: the passes read each file once
    key = run_cache.key(config, names, files + others, contents) if run_cache is not None else None
    cached = run_cache.load(config, names, key) if run_cache is not None and key is not None else None
    if cached is not None:
        findings, summary, texts = cached
    else:
        file_cache = FileCache(config.root, config, names) if run_cache is not None and config.root else None
        fact_cache = FactCache(config.root, config) if file_cache is not None and config.root else None
        from .engine import Unkept, run_passes  # the parsers, the index and the rules: not for a cached run

        with fewer_collections():
            try:
                findings, summary, texts = run_passes(files, list(skipped), others, config, progress, jobs,
                                                      file_cache, fact_cache, contents)
            except Unkept:  # a module kept last time no longer parses as it did: do it all again
                findings, summary, texts = run_passes(files, list(skipped), others, config, progress, jobs,
                                                      file_cache)
        if run_cache is not None and key is not None:
            run_cache.store(config, names, key, findings, summary, texts)
    if config.baseline:
        baseline_path = Path(config.baseline)
        if not baseline_path.is_absolute() and config.root:
            baseline_path = config.root / baseline_path
        findings = Baseline.load(baseline_path).filter(findings, texts)
    summary = summary.model_copy(update={"findings": len(findings),
                                         "seconds": round(time.perf_counter() - started, 3)})
    report = Report(findings=findings, summary=summary)
    report.sources.update(texts)
    return report


def other_project_files(paths: list[Path], files: list[Path], config: Config) -> list[Path]:
    """The rest of the project, when only part of it is checked: `prodready check billing/views.py`
    judges the view by the models in the other files of the project, which are parsed for the
    index but not reported on."""
    root = config.root
    if root is None or all(p.resolve() == root for p in paths):
        return []
    if not all(p.resolve().is_relative_to(root) for p in paths):
        return []
    everything, _ = discover([root], config)
    targets = set(files)
    return [f for f in everything if f not in targets and f.suffix in (".py", ".sql")]
