"""A cold scan with pass 1 too in forked workers (`--jobs`): each parses blocks of the files.

Building astroid trees is most of a cold scan, and one process builds them one after another.
Here each worker takes blocks of files, one after another as it finishes each, parses them
and works out their modules' index facts (round 1); the parent passes every worker the
others' facts, still pickled; each worker then builds the whole index, its own modules from
their trees and the others' from their facts, and runs the rules on its own files (round 2). A
module of another worker's block that inference reaches is built where it is reached, as in a
changed run (`lang.python.defer_module`). A module's facts do not depend on the rest of the
project (see `index.kept`), so the index of every worker is the one a scan in one process
builds, and so are the findings.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Collection
from pathlib import Path

from astroid import nodes

from . import engine
from .cache import FactCache, FileCache
from .collector import set_aside
from .config import Config
from .dependencies import Reach
from .engine import (
    ParsedFile,
    check_file,
    deferred_tree,
    file_keys,
    gated_in,
    index_facts,
    index_files,
    keep_facts,
    kept_inputs,
    module_digests,
    parse_gate,
    parse_source,
    scan_result,
    untraced_modules,
    with_trees,
    written_index,
)
from .index.kept import KeptModule, plain_facts
from .lang.javascript import ScriptFile
from .lang.python import defer_module, forget_modules, imported_modules, module_name
from .model import Finding, Skipped, Summary
from .parallel import FileResult, can_fork
from .rules import enabled_rules
from .scan import Progress
from .shards import Channel, ShardFailed, Shards
from .workspace import SCRIPT_LANGUAGES, Contents, SourceFile, is_test_file, language_of, read_source

_log = logging.getLogger("prodready")

PROGRESS_EVERY = 16  # files a worker parses or checks between two reports
_UNWANTED = "unwanted"  # a worker's word for a file read but not parsed: no enabled rule needs it


def sharded_run(files: list[Path], others: list[Path], config: Config, progress: Progress | None, jobs: int,
                file_cache: FileCache | None, fact_cache: FactCache | None, anew: bool = False,
                contents: Contents | None = None) -> tuple[list[Finding], Summary, dict[str, str]] | None:
    """Both passes, with pass 1 too in `jobs` forked workers that each parse blocks of the
    files (see `analyzer.shards`), for a scan that has nothing kept from an earlier run, or
    that sets what was kept aside (`anew`); None where that does not pay or is not safe, or
    when a worker failed: then the caller scans in one process. `contents`: the files read
    already, as `engine.parse_files` takes them."""
    paths = files + others
    if jobs <= 1 or (fact_cache is not None and fact_cache.kept and not anew) or not can_fork() \
            or sum(language_of(path) == "python" for path in paths) < jobs * engine.MIN_MODULES_PER_WORKER:
        return None
    read = contents if contents is not None else {}  # those read already: see `engine.parse_files`
    sources = [read_source(path, config, read.pop(path, None)) for path in paths]
    items: list[ParsedFile | None] = [None] * len(sources)
    gate = parse_gate(config)
    for position, source in enumerate(sources):
        if isinstance(source, SourceFile) and source.language == "sql":  # each worker's index reads them all
            parsed = parse_source(source, config, gate=gate)
            sources[position] = parsed if isinstance(parsed, Skipped) else source
            items[position] = parsed if isinstance(parsed, ParsedFile) else None
    blocks = _blocks(sources, jobs * BLOCKS_PER_WORKER)
    total = len(files) * 2
    done = 0

    def count_done(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    def work(number: int, channel: Channel) -> None:
        for position, source in enumerate(sources):  # each module: built where inference reaches, till taken
            if isinstance(source, SourceFile) and source.language == "python":
                item = items[position] = ParsedFile(source)
                defer_module(module_name(source.path), lambda item=item: deferred_tree(item))
        mine: list[int] = []
        marks: dict[int, object] = {}
        facts: dict[int, dict] = {}
        while (block := channel.take()) is not None:
            block_marks, block_facts = _parse_block(sources, items, blocks[block], len(files), config, gate, channel)
            marks.update(block_marks)
            facts.update(block_facts)
            mine += blocks[block]
        mine.sort()
        channel.answer((marks, pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)))
        every_mark, blobs = channel.receive()
        theirs = {position: found for other, blob in enumerate(blobs) if other != number
                  for position, found in pickle.loads(blob).items()}
        _stand_in_others(sources, items, every_mark, theirs, set(mine))
        everything = [item for item in items if item is not None]
        index = with_trees(lambda: index_files(everything, config), everything, config)
        set_aside()
        rules = enabled_rules(config)
        results: dict[int, FileResult] = {}
        for position in mine:
            item = items[position]
            if position < len(files) and item is not None:
                results[position] = check_file(item, config, index, rules)
                if len(results) % PROGRESS_EVERY == 0:
                    channel.progress(PROGRESS_EVERY)
        channel.progress(len(results) % PROGRESS_EVERY)
        worked_out = {position: {key: value for key, value in plain_facts(_tree(items[position])).items()
                                 if key not in facts[position]}  # those kept under the tenant, now known
                      for position in facts}
        keys = (index_facts(index), list(index.default_filter_backends), written_index(index)) \
            if number == 0 and file_cache is not None else None
        channel.answer((results, worked_out, keys))

    try:
        with Shards(jobs, work, tasks=len(blocks)) as shards:
            first = shards.gather(count_done)  # the facts stay pickled: the parent only passes them on
            marks = {position: mark for block_marks, _ in first for position, mark in block_marks.items()}
            shards.hand_out((marks, [blob for _, blob in first]))
            # While the workers run their rules: what the cache keeps that does not wait on them.
            kept_facts = {position: found for _, blob in first for position, found in pickle.loads(blob).items()} \
                if file_cache is not None else {}  # without a cache, no fact is read here
            _stand_in_others(sources, items, marks, kept_facts, ())
            everything = [item for item in items if item is not None]
            digests = _digests_to_keep(everything, file_cache, fact_cache, config)
            if fact_cache is not None:
                keep_facts(everything, fact_cache, digests, worked_out=True, store=False)
            answers = shards.gather(count_done)
    except ShardFailed as failed:
        lines = str(failed).splitlines()
        _log.warning("pass 1 in %d processes failed (%s), so the scan is done again in one", jobs,
                     " ... ".join(dict.fromkeys([lines[0].rstrip(":"), lines[-1]])))
        return None
    skipped = [source for source in sources[:len(files)] if isinstance(source, Skipped)]
    skipped += [mark for position, mark in marks.items() if isinstance(mark, Skipped) and position < len(files)]
    results: dict[int, FileResult] = {}
    for found, worked_out, _ in answers:
        results.update(found)
        for position, more in worked_out.items():
            if position in kept_facts and more:  # facts under the tenant: kept again with them
                kept_facts[position].update(more)
                if fact_cache is not None:
                    keep_facts([items[position]], fact_cache, digests, worked_out=True, store=False)
    checked = [position for position in range(len(files)) if items[position] is not None]
    if file_cache is not None:
        facts_print, backends, written = answers[0][2]
        file_cache.keys = file_keys(facts_print, backends, file_cache, digests)
        for position in checked:
            file_cache.put(items[position].source.relpath, results[position])
        file_cache.store()
        if fact_cache is not None:
            for position, mark in marks.items():
                if mark == _UNWANTED:
                    fact_cache.put_unwanted(sources[position].relpath, sources[position].digest)
            fact_cache.keep_index(kept_inputs(everything, fact_cache), written, facts_print)  # as the workers built it
            fact_cache.store()
    return scan_result([items[position] for position in checked], [results[position] for position in checked], skipped)


# What a script's text weighs against a module's of the same length: most scripts mention no
# Web Storage nor cookie, and are read by a pattern, not parsed (see `parse_gate`); so do the
# test modules that no enabled rule applies to.
LIGHT_WEIGHT = 1 / 8
# Blocks a worker takes, on average: enough that the last to finish leaves the others idle only
# briefly, few enough that a module's neighbours, which it mostly imports, are in its block.
BLOCKS_PER_WORKER = 8


def _digests_to_keep(everything: list[ParsedFile], file_cache: FileCache | None, fact_cache: FactCache | None,
                     config: Config) -> Reach:
    """What a cache keys its files by: each file's dependency digest, worked out from the kept
    facts and the imports of the modules read but not parsed; nothing without a cache."""
    if file_cache is None:
        return Reach([])
    untraced = untraced_modules(everything, fact_cache)
    try:
        return with_trees(lambda: module_digests(everything, untraced), everything, config)
    finally:  # a tree built here, for a fact a worker did not keep, is not the next scan's
        forget_modules([module_name(item.source.path) for item in everything if item.module is not None])


def _blocks(sources: list[SourceFile | Skipped], count: int) -> list[list[int]]:
    """`count` runs of neighbouring files of about as much work each, for the workers to take
    in turn as they finish one (see `Channel.take`). A module's imports are mostly its
    neighbours, which are then in its block."""
    weights = [0 if not isinstance(source, SourceFile) or source.language not in ("python", *SCRIPT_LANGUAGES)
               else len(source.text) * (LIGHT_WEIGHT if source.language != "python" or is_test_file(source.relpath)
                                        else 1)
               for source in sources]
    whole = sum(weights) or 1
    bounds = [0]
    running = 0
    for position, weight in enumerate(weights):
        running += weight
        while len(bounds) < count and running * count >= whole * len(bounds):
            bounds.append(position + 1)
    bounds += [len(sources)] * (count + 1 - len(bounds))
    return [list(range(bounds[block], bounds[block + 1])) for block in range(count)]


def _parse_block(sources: list[SourceFile | Skipped], items: list[ParsedFile | None], block: list[int], reported: int,
                 config: Config, gate: Callable[[SourceFile], bool], channel: Channel
                 ) -> tuple[dict[int, object], dict[int, dict]]:
    """Parse a block a worker took and work out its modules' facts: a Skipped or `_UNWANTED` for
    the files that are not parsed, for a reason, and the kept facts of each module or script
    that is (nothing for a template, say, which is read and never parsed)."""
    marks: dict[int, object] = {}
    parsed = 0
    for position in block:
        if position < reported:
            parsed += 1
            if parsed % PROGRESS_EVERY == 0:
                channel.progress(PROGRESS_EVERY)
        source = sources[position]
        if not isinstance(source, SourceFile) or source.language == "sql":
            continue
        if not gate(source):
            items[position], marks[position] = ParsedFile(source), _UNWANTED
            continue
        if items[position] is not None and items[position].module is not None:
            continue  # built already, where inference from an earlier block reached it
        item = parse_source(source, config, gate=gated_in)
        items[position] = item if isinstance(item, ParsedFile) else None
        if isinstance(item, Skipped):
            marks[position] = item
        set_aside()
    channel.progress(parsed % PROGRESS_EVERY)
    index_files([items[position] for position in block if items[position] is not None], config)  # its facts
    facts: dict[int, dict] = {}
    for position in block:
        tree = _tree(items[position])
        if tree is not None:
            if items[position].module is not None:
                imported_modules(tree)  # a test module's too: the cache's digests read it
            facts[position] = plain_facts(tree)
    return marks, facts


def _tree(item: ParsedFile | None) -> nodes.Module | ScriptFile | None:
    """The parsed module or script of a file of a block the worker took."""
    if item is None:
        return None
    return item.module if item.module is not None else item.script


def _stand_in_others(sources: list[SourceFile | Skipped], items: list[ParsedFile | None], marks: dict[int, object],
                     facts: dict[int, dict], mine: Collection[int]) -> None:
    """Stand in each file outside `mine` as its worker left it (see `_parse_block`): a module
    or script by its kept facts, a file it skipped by nothing. SQL files were parsed before
    the workers were made."""
    for position, source in enumerate(sources):
        if position in mine or not isinstance(source, SourceFile) or source.language == "sql":
            continue
        mark = marks.get(position)
        if isinstance(mark, Skipped):
            items[position] = None
            continue
        item = items[position]
        if item is None or item.source is not source or mark == _UNWANTED:
            item = items[position] = ParsedFile(source)
        if position in facts:
            name = module_name(source.path) if source.language == "python" else source.relpath
            item.kept = KeptModule(name, source.relpath, facts[position])
