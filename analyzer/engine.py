"""The pipeline: discover, read, parse, index (pass 1), run the rules (pass 2), suppress.

Each file is parsed once; the same tree serves the index and the rules. Failures in the
analysed code become `summary.skipped` entries; only prodready's own bugs propagate.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from astroid import nodes

from .budget import MemoryUp, TimeUp, budget, resident_mb
from .cache import FactCache, FileCache, json_text
from .collector import fewer_collections, set_aside
from .config import Config
from .dependencies import Reach, Untraced, with_shared
from .incremental import StatementMemo
from .index import ProjectIndex, build_index
from .index.fingerprint import NotFingerprintable, fingerprint
from .index.kept import KeptModule, TreeNeeded, adopt_facts, asked_alike, same_facts
from .index.snapshot import NotKeepable, to_json
from .lang import reach
from .lang.javascript import VENDORED_PATHS, ScriptFile, parse_script_file, vendored_reason
from .lang.python import (
    Positions,
    PythonParseError,
    defer_module,
    forget_modules,
    imports_in_text,
    module_name,
    nodes_within,
    parse_python,
    scan_order,
)
from .lang.sql import parse_script
from .model import Finding, Skipped, Summary
from .parallel import FileResult, can_fork, map_files
from .rules import Rule, enabled_rules
from .rules.base import RuleContext
from .scan import Progress
from .suppress import parse_suppressions, per_file_ignored
from .workspace import (
    SCRIPT_LANGUAGES,
    Contents,
    SourceFile,
    discover,
    is_test_file,
    language_of,
    path_spec,
    read_source,
)

T = TypeVar("T")


@dataclass
class ParsedFile:
    source: SourceFile
    module: nodes.Module | None = None
    statements: list = field(default_factory=list)
    script: ScriptFile | None = None
    kept: KeptModule | None = None  # a module's or a script's facts from the last run, in place of its tree
    sql_later: bool = False  # an SQL file whose statements are parsed when first needed (see `_kept_file`)

    @property
    def for_index(self) -> nodes.Module | KeptModule | None:
        """What the index reads of a Python module: its kept facts, else its tree."""
        if self.source.language != "python":
            return None
        return self.kept if self.kept is not None else self.module

    @property
    def script_for_index(self) -> ScriptFile | KeptModule | None:
        """What the index reads of a script: its kept facts, else its parsed regions."""
        return self.kept if self.kept is not None and self.source.language in SCRIPT_LANGUAGES else self.script


def run_passes(files: list[Path], skipped: list[Skipped], others: list[Path], config: Config,
               progress: Progress | None, jobs: int = 1, file_cache: FileCache | None = None,
               fact_cache: FactCache | None = None, contents: Contents | None = None
               ) -> tuple[list[Finding], Summary, dict[str, str]]:
    """Both passes over `files`, with `others` (the rest of the project) parsed for the index;
    `contents`: those already read (see `parse_files`).
    With nothing kept from an earlier run, both in `jobs` processes where that is safe and
    pays (see `analyzer.sharded`); else pass 2 in `jobs` processes (see `analyzer.parallel`), and
    only for the files that `file_cache` has no findings for under their current key. With
    `fact_cache`, a module whose facts are kept from the last run is not parsed unless
    something needs its tree (see `_stand_in`), unless so much of the project is that both
    passes in `jobs` processes cost less."""
    from .sharded import sharded_run  # which builds on this module's passes

    if fact_cache is not None or jobs > 1:
        scan_order(module_name(path) for path in files + others if language_of(path) == "python")
    # Nothing is kept without a cache, so what the analysis read is not asked (see `lang.reach`).
    untracked = reach.untracked() if file_cache is None else contextlib.nullcontext()
    with untracked:
        try:
            sharded = sharded_run(files, others, config, progress, jobs, file_cache, fact_cache, contents=contents)
            if sharded is None:
                try:
                    return _in_one_process(files, list(skipped), others, config, progress, jobs, file_cache, fact_cache,
                                           contents=contents)
                except _ShardInstead:
                    sharded = sharded_run(files, others, config, progress, jobs, file_cache, fact_cache, anew=True)
                if sharded is None:  # its workers failed
                    return _in_one_process(files, list(skipped), others, config, progress, jobs, file_cache, fact_cache,
                                           may_shard=False)
            findings, summary, texts = sharded
            return findings, summary.model_copy(update={"skipped": skipped + summary.skipped}), texts
        finally:
            scan_order(())


def _in_one_process(files: list[Path], skipped: list[Skipped], others: list[Path], config: Config,
                    progress: Progress | None, jobs: int, file_cache: FileCache | None, fact_cache: FactCache | None,
                    may_shard: bool = True, contents: Contents | None = None
                    ) -> tuple[list[Finding], Summary, dict[str, str]]:
    """Pass 1 in this process, with the kept facts of the modules that did not change."""
    total = len(files) * 2
    parsed, unreadable = parse_files(files, config, facts=fact_cache,
                                     progress=(lambda done: progress(done, total)) if progress else None,
                                     contents=contents)
    skipped.extend(unreadable)
    context, _ = parse_files(others, config, facts=fact_cache, contents=contents)
    everything = parsed + context
    try:
        return _passes(parsed, context, skipped, config, progress, total, jobs, file_cache, fact_cache, may_shard)
    finally:
        forget_modules([module_name(item.source.path) for item in everything
                        if item.module is not None or item.for_index is not None])


class _ShardInstead(Exception):
    """So much of the project is to be parsed again that a run in the workers, with nothing
    kept, costs less: see `_passes`."""


# The fewest Python modules for each worker of a sharded pass 1: below this its rounds cost
# more than its share saves.
MIN_MODULES_PER_WORKER = 100
# The share of the modules whose kept facts no longer hold from which a changed run is done in
# the workers, as a cold one.
STALE_SHARE = 1 / 3


def _passes(parsed: list[ParsedFile], context: list[ParsedFile], skipped: list[Skipped], config: Config,
            progress: Progress | None, total: int, jobs: int, file_cache: FileCache | None,
            fact_cache: FactCache | None, may_shard: bool = False) -> tuple[list[Finding], Summary, dict[str, str]]:
    """Both passes over parsed files, pass 2 in `jobs` processes. `may_shard`: raise
    `_ShardInstead` where the kept facts of `STALE_SHARE` of the modules no longer hold."""
    everything = parsed + context
    untraced = untraced_modules(everything, fact_cache) if file_cache is not None else {}
    digests = with_trees(lambda: module_digests(everything, untraced), everything, config) \
        if file_cache is not None else Reach([])
    if fact_cache is not None:
        stale = [item for item in everything if item.kept is not None  # what their facts read through inference
                 and fact_cache.depends(item.source.relpath) !=
                 digests.digest(item.source.relpath, fact_cache.reaches(item.source.relpath))]  # has changed
        if may_shard and len(stale) >= max(jobs * MIN_MODULES_PER_WORKER,
                                           sum(item.for_index is not None for item in everything) * STALE_SHARE) \
                and jobs > 1 and can_fork():
            raise _ShardInstead  # an edit to a module whose classes a third of the facts read, a model say
        for item in stale:
            _build_tree(item, config)
    kept_index = None
    changed: list[tuple[ParsedFile, object]] = []  # modules the index reads whose text has changed
    if fact_cache is not None and file_cache is not None:
        def recorded(item: ParsedFile) -> list | None:
            if item.kept is not None:
                return [item.source.digest, fact_cache.depends(item.source.relpath)]
            last = fact_cache.last(item.source.relpath) if item.source.language == "python" else None
            if last is None:
                return None
            changed.append((item, last[1]))
            return last[0]  # the index was built from its last text: it stands if its facts do

        inputs = index_inputs(everything, recorded)
        kept_index = fact_cache.kept_index(inputs, lambda: all(facts_as_kept(item, kept, config)
                                                               for item, kept in changed)) \
            if inputs is not None else None
    if kept_index is not None:  # nothing it reads has changed, or its facts have not: a test or a comment
        index, facts, _ = kept_index
    else:
        for item in everything:
            _statements_now(item, config)
        index = with_trees(lambda: index_files(everything, config), everything, config)
        facts = index_facts(index) if file_cache is not None else None
    set_aside()
    rules = enabled_rules(config)
    if file_cache is not None:
        file_cache.keys = file_keys(facts, index.default_filter_backends, file_cache, digests)
    def check(item: ParsedFile) -> FileResult:
        _tree_for_rules(item, config)  # a kept module's, in the worker that checks it where pass 2 forks
        return check_file(item, config, index, rules)

    results = _pass_two(parsed, check, jobs, file_cache,
                        (lambda done: progress(total // 2 + done, total)) if progress else None)
    if fact_cache is not None:
        keep_facts(everything, fact_cache, digests)
        if (kept_index is None or changed) and file_cache is not None:
            fact_cache.keep_index(kept_inputs(everything, fact_cache),
                                  written_index(index) if kept_index is None else kept_index[2], facts)
    return scan_result(parsed, results, skipped)


def check_file(item: ParsedFile, config: Config, index: ProjectIndex, rules: list[Rule]) -> FileResult:
    """Pass 2 of one file."""
    ctx = _context(item, config, index)
    findings: list[Finding] = []
    with reach.reaching() as reached:
        try:
            findings = run_rules(ctx, rules)
        except RecursionError:
            ctx.rule_errors.insert(0, "too deeply nested to analyse")
        except OverBudget as budget:
            ctx.rule_errors.insert(0, str(budget))
            return FileResult(findings, ctx.rule_errors, ctx.unparsed_sql, lasting=False)
    own = frozenset({item.module.name}) if item.module is not None else frozenset()  # its tree's build
    reaches = reach.expanded(reached.names | own)
    return FileResult(findings, ctx.rule_errors, ctx.unparsed_sql, reaches=reaches)


def scan_result(parsed: list[ParsedFile], results: list[FileResult | None], skipped: list[Skipped]
                ) -> tuple[list[Finding], Summary, dict[str, str]]:
    """The scan's findings, summary and texts, from each file's result."""
    findings = [finding for result in results if result is not None for finding in result.findings]
    skipped.extend(Skipped(path=item.source.relpath, reason=reason)
                   for item, result in zip(parsed, results, strict=True) if result is not None
                   for reason in result.problems)
    unparsed_sql = sum(result.unparsed_sql for result in results if result is not None)
    texts = {item.source.relpath: item.source.text for item in parsed}
    findings.sort(key=Finding.sort_key)
    summary = Summary(files=len(parsed), findings=len(findings), skipped=skipped, unparsed_sql=unparsed_sql)
    return findings, summary, texts


def _pass_two(parsed: list[ParsedFile], check: Callable[[ParsedFile], FileResult], jobs: int,
              file_cache: FileCache | None, progress: Callable[[int], None] | None) -> list[FileResult | None]:
    """Each file's result, from `file_cache` where it holds one under the file's current key,
    else from `check`; the cache is given the new ones."""
    results: list[FileResult | None] = [None] * len(parsed)
    todo: list[int] = []
    for number, item in enumerate(parsed):
        results[number] = file_cache.get(item.source.relpath) if file_cache is not None else None
        if results[number] is None:
            todo.append(number)
    done = len(parsed) - len(todo)
    if progress and done:
        progress(done)
    for result in map_files([parsed[number] for number in todo], check, jobs):
        number = todo[result.number]
        results[number] = result
        if file_cache is not None:
            file_cache.put(parsed[number].source.relpath, result)
        done += 1
        if progress:
            progress(done)
    if file_cache is not None:
        file_cache.store()
    return results


def index_facts(index: ProjectIndex) -> str | None:
    """The index's fingerprint; None for an index it cannot capture."""
    try:
        return fingerprint(index)
    except NotFingerprintable:
        return None


def file_keys(facts: str | None, filter_backends: Iterable[str], file_cache: FileCache,
              digests: Reach) -> Callable[[str, frozenset[str] | None], str] | None:
    """Each file's cache key, from the modules its analysis reached: what its findings depend
    on (see `analyzer.dependencies`) under the index of fingerprint `facts`, whose default
    filter backends are `filter_backends`. No keys for a run whose index the fingerprint cannot
    capture: every file is analysed, as without a cache."""
    if facts is None:
        return None
    shared = digests.every_file_reads(path.rpartition(".")[0] for path in filter_backends)

    def key(relpath: str, reached: frozenset[str] | None) -> str:
        return file_cache.key(facts, with_shared(digests.digest(relpath, reached), shared))

    return key


def parse_files(files: list[Path], config: Config, progress: Callable[[int], None] | None = None,
                facts: FactCache | None = None, contents: Contents | None = None
                ) -> tuple[list[ParsedFile], list[Skipped]]:
    """Read and parse `files`; a Python module whose facts `facts` keeps under its current text
    is not parsed, its kept facts stand in for its tree (see `_stand_in`). A file that
    `contents` holds is not read again, and is taken from it."""
    parsed: list[ParsedFile] = []
    skipped: list[Skipped] = []
    gate = parse_gate(config)
    for number, path in enumerate(files, start=1):
        if progress:
            progress(number)
        source = read_source(path, config, contents.pop(path, None) if contents is not None else None)
        if isinstance(source, Skipped):
            skipped.append(source)
            continue
        if facts is not None:
            item = _kept_file(source, facts, gate)
            if item is not None:
                parsed.append(item)
                continue
        item = parse_source(source, config, gate=gate if facts is None else gated_in)
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            parsed.append(item)
        set_aside()
    return parsed, skipped


class Unkept(Exception):
    """A module whose facts were kept, or an SQL file read and left to parse later, no longer
    parses as it did (a budget ran out this time)."""


def gated_in(source: SourceFile) -> bool:
    """The gate of a file `_kept_file` has let through already."""
    return True


def _kept_file(source: SourceFile, facts: FactCache, gate: Callable[[SourceFile], bool]) -> ParsedFile | None:
    """A file read but not parsed: one that no enabled rule needs (the answer kept for its
    text, or worked out), one whose kept facts stand in for its tree, or an SQL file, whose
    statements only the index and its own rules read: they are parsed when the index is built
    again, or the file analysed again (`_statements_now`). Mathesar's 29 SQL files (4 MB)
    were half of a changed run. None: parse it."""
    own = source.digest
    if facts.unwanted(source.relpath, own):
        return ParsedFile(source)
    if source.language == "python" or source.language in SCRIPT_LANGUAGES:
        item = _stand_in(source, facts)
        if item is not None:
            return item
    if not gate(source):
        facts.put_unwanted(source.relpath, own)
        return ParsedFile(source)
    if source.language == "sql":
        return ParsedFile(source, sql_later=True)
    return None


def _stand_in(source: SourceFile, facts: FactCache) -> ParsedFile | None:
    """The module's or script's kept facts in place of its tree, if they were read from this
    text. A module's tree is built when inference first reaches it, as it would have been found
    among the trees; a module's or a script's, when the rules are to run on it, or when the
    index asks for a fact not kept."""
    python = source.language == "python"
    name = module_name(source.path) if python else source.relpath
    kept = facts.stand_in(source.relpath, source.digest, name)
    if kept is None:
        return None
    item = ParsedFile(source, kept=kept)
    if python:
        defer_module(name, lambda: deferred_tree(item))
    return item


def deferred_tree(item: ParsedFile) -> nodes.Module | None:
    """The tree of a kept module that inference has reached; its kept facts stay valid."""
    if item.module is None:
        try:
            item.module = parse_python(item.source.text, item.source.path, module_name(item.source.path))
        except PythonParseError:
            return None
    return item.module


def _statements_now(item: ParsedFile, config: Config) -> None:
    """The statements of an SQL file that `_kept_file` left to parse later. One whose parse
    runs out of its budget would have been skipped by a run that parsed it at once: the run
    is done again that way (see `Unkept`)."""
    if item.sql_later:
        built = parse_source(item.source, config, gate=gated_in)
        if isinstance(built, Skipped):
            raise Unkept(item.source.relpath)
        item.statements, item.sql_later = built.statements, False


def _tree_for_rules(item: ParsedFile, config: Config) -> None:
    """The tree of a kept module or script that the rules are to run on; its kept facts stay
    valid. The statements of an SQL file left to parse later."""
    _statements_now(item, config)
    if item.kept is not None and item.module is None and item.script is None:
        built = parse_source(item.source, config, gate=gated_in)  # it was, for its facts to be kept
        if isinstance(built, Skipped) or (built.module or built.script) is None:
            raise Unkept(item.source.relpath)
        item.module, item.script = built.module, built.script


def _build_tree(item: ParsedFile, config: Config) -> None:
    """The tree of a module or script whose kept facts are not enough: its facts are worked out again."""
    _tree_for_rules(item, config)
    item.kept = None


def with_trees(work: Callable[[], T], items: list[ParsedFile], config: Config) -> T:
    """`work()`, building the tree of each kept module it asks for what was not kept: and of
    those it will ask alike (see `asked_alike`). Each costs `work` a new start, so after
    `MOST_STARTS` of them (kept facts that lack what every module holds) every tree is built."""
    by_path = {item.source.relpath: item for item in items}
    starts = 0
    while True:
        try:
            return work()
        except TreeNeeded as needed:
            item = by_path.get(needed.relpath)
            if item is None or item.kept is None:
                raise
            starts += 1
            kept = [other for other in items if other.kept is not None and other is not item]
            _build_tree(item, config)
            for other in kept:
                if starts >= MOST_STARTS or asked_alike(other.kept, needed.wanted):
                    _build_tree(other, config)


# The new starts of the index (or of the digests) after which every kept module's tree is built.
MOST_STARTS = 8


def module_digests(items: list[ParsedFile], untraced: Untraced) -> Reach:
    """Each file's dependency digest, from what its analysis reached (see `lang.reach`)."""
    files = [(item.source.relpath, item.source.text, item.for_index) for item in items]
    own = {item.source.relpath: item.source.digest for item in items}
    return Reach(files, untraced, own)


def untraced_modules(items: list[ParsedFile], facts: FactCache | None) -> Untraced:
    """The Python modules read but not parsed, by name: their files and what they import,
    from `facts` where it kept them for the same text."""
    found = {}
    for item in items:
        if item.for_index is not None or item.source.language != "python":
            continue
        relpath, text = item.source.relpath, item.source.text
        name = module_name(item.source.path)
        own = item.source.digest
        imports = facts.imports_of(relpath, own, name) if facts is not None else None
        if imports is None:
            imports = imports_in_text(text, item.source.path, name)
            if facts is not None and imports is not None:
                facts.put_imports(relpath, own, name, imports)
        found[name] = (relpath, imports)
    return found


def keep_facts(items: list[ParsedFile], facts: FactCache, digests: Reach, worked_out: bool = False,
                store: bool = True) -> None:
    """Give `facts` each module's and script's facts to keep, and write them (unless not
    `store`); `worked_out`: the kept modules stand in with facts worked out in this run, by the
    workers, not read from the cache."""
    for item in items:
        relpath = item.source.relpath
        if relpath not in digests:
            continue
        own = item.source.digest
        module = item.for_index
        if module is not None:
            facts.put(relpath, own, module.name, digests, module, worked_out)
        elif (script := item.script_for_index) is not None:
            facts.put(relpath, own, relpath, digests, script, worked_out)
    if store:
        facts.store()


def build_project_index(paths: Iterable[str | Path], config: Config) -> tuple[ProjectIndex, list[Skipped]]:
    """Pass 1 alone, for `prodready index`."""
    files, skipped = discover([Path(p) for p in paths], config)
    with fewer_collections():
        parsed, unreadable = parse_files(files, config)
        try:
            return index_files(parsed, config), skipped + unreadable
        finally:
            forget_modules([item.module.name for item in parsed if item.module is not None])


def parse_source(source: SourceFile, config: Config, modname: str | None = None,
                 gate: Callable[[SourceFile], bool] | None = None) -> ParsedFile | Skipped:
    """Parse a file as its language; `gate` is `parse_gate(config)`, made once by a caller that
    parses many files."""
    if not (gate or parse_gate(config))(source):
        return ParsedFile(source)
    name = (modname or module_name(source.path)) if source.language == "python" else None
    megabytes = config.file_memory if len(source.text) >= MEMORY_WATCHED_SIZE else 0
    try:
        with budget(config.file_timeout, megabytes):
            return _parse_as_language(source, config, name)
    except TimeUp:
        reason = f"timeout: parsing took over {config.file_timeout:g} s on this file (file-timeout)"
    except MemoryUp:
        reason = f"memory: parsing grew the process by over {config.file_memory} MB on this file (file-memory)"
    if name is not None:  # a module cut off halfway may have been registered
        forget_modules([name])
    gc.collect()  # the half-built tree: its nodes point at their parents, so only a collection frees it
    return Skipped(path=source.relpath, reason=reason)


# Files from this size on are parsed under `file-memory` too. A tree takes a few hundred times
# the size of its text (astroid: 2.5 GB for a 5.4 MB module), so a smaller file cannot reach
# the limit, and the look at the process's size that arming costs is saved on most files.
MEMORY_WATCHED_SIZE = 256 * 1024


def _parse_as_language(source: SourceFile, config: Config, modname: str | None) -> ParsedFile | Skipped:
    if source.language == "python":
        try:
            module = parse_python(source.text, source.path, modname)
        except PythonParseError as error:
            return Skipped(path=source.relpath, reason=str(error))
        return ParsedFile(source, module=module)
    if source.language == "sql":
        return ParsedFile(source, statements=parse_script(source.text, config.sql.dialect))
    if source.language in SCRIPT_LANGUAGES:
        if source.language in ("javascript", "typescript"):
            reason = vendored_reason(source.relpath, source.text, path_spec(VENDORED_PATHS).match_file)
            if reason:
                return Skipped(path=source.relpath, reason=reason)
        try:
            return ParsedFile(source, script=parse_script_file(source.text, source.relpath, source.language))
        except (RecursionError, ValueError, MemoryError) as error:
            return Skipped(path=source.relpath, reason=f"cannot parse: {type(error).__name__}: {error}")
    return ParsedFile(source)


def parse_gate(config: Config) -> Callable[[SourceFile], bool]:
    """Whether a file is worth parsing. A script is, when an enabled rule can find anything in
    it (see `Rule.script_mentions`); a test module, when an enabled rule applies to its path
    (the index leaves tests out). Everything else is."""
    rules = enabled_rules(config)
    patterns: dict[str, list] = defaultdict(list)
    for rule in rules:
        for language in SCRIPT_LANGUAGES.intersection(rule.languages):
            if rule.script_mentions not in patterns[language]:  # the storage rules share theirs
                patterns[language].append(rule.script_mentions)

    def wanted(source: SourceFile) -> bool:
        if source.language in SCRIPT_LANGUAGES:
            return any(pattern is None or pattern.search(source.text) for pattern in patterns[source.language])
        if source.language == "python" and is_test_file(source.relpath):
            return any("python" in rule.languages and rule.applies_to_path(source.relpath, "python", config)
                       for rule in rules)
        return True
    return wanted


def index_files(parsed: list[ParsedFile], config: Config) -> ProjectIndex:
    """Pass 1. Tests are left out: their models, views and settings are not the project's."""
    return build_index(
        ((p.source.relpath, p.for_index) for p in parsed
         if p.for_index is not None and not is_test_file(p.source.relpath)),
        ((p.source.relpath, p.statements, p.source.text) for p in parsed if p.source.language == "sql"),
        config,
        ((p.source.relpath, p.script_for_index) for p in parsed if p.script_for_index is not None),
    )


def index_inputs(items: list[ParsedFile], recorded: Callable[[ParsedFile], list | None]) -> dict[str, list] | None:
    """What `index_files` reads: each file, with its own digest and the dependency digest of
    its facts, as `recorded` gives them (a SQL file's alone: it reaches no module); None when
    a module or script has none (its facts are not kept)."""
    found: dict[str, list] = {}
    for item in items:
        relpath = item.source.relpath
        if item.source.language == "sql":
            found[relpath] = [item.source.digest, None]
        elif (item.for_index is not None and not is_test_file(relpath)) or item.script_for_index is not None:
            digests = recorded(item)
            if digests is None or not all(isinstance(digest, str) for digest in digests):
                return None
            found[relpath] = digests
    return found


def kept_inputs(items: list[ParsedFile], facts: FactCache) -> dict[str, list] | None:
    """What the index was built from, as this run keeps each file's facts."""
    return index_inputs(items, lambda item: [item.source.digest,
                                             facts.fresh.get(item.source.relpath, {}).get("depends")])


def written_index(index: ProjectIndex) -> bytes | None:
    """`index` as JSON text (see `index.snapshot`), which a worker hands over as one object
    rather than 150,000; None for one that JSON would not give back alike."""
    try:
        return json_text(to_json(index, ProjectIndex))
    except NotKeepable:
        return None


def facts_as_kept(item: ParsedFile, kept: object, config: Config) -> bool:
    """Whether a changed module's facts come out as those `kept` for its last text (a comment
    added, a function's body edited): worked out, as the index works them out, on a tree of
    its own built for the purpose, with an index of that module alone, which would leave
    answers for another index on the module's tree. If they do, the module's tree is given
    them, to be kept for its new text."""
    try:
        probe = parse_python(item.source.text, item.source.path, module_name(item.source.path), register=False)
    except PythonParseError:
        return False
    try:
        build_index([(item.source.relpath, probe)], [], config)
    except RecursionError:
        return False
    if not same_facts(kept, probe):
        return False
    if item.module is not None:
        adopt_facts(item.module, probe)
    return True


def _context(item: ParsedFile, config: Config, index: ProjectIndex) -> RuleContext:
    return RuleContext(
        relpath=item.source.relpath,
        text=item.source.text,
        language=item.source.language,
        config=config,
        index=index,
        module=item.module,
        statements=item.statements,
        script=item.script,
        positions=item.script.positions if item.script is not None else Positions(item.source.text),
    )


class Superseded(Exception):
    """The text under analysis has changed since: its findings are wanted no more."""


class OverBudget(Exception):
    """The rules outran a file's budget: a generated module, a pathological expression, an
    inference that explodes. The file is skipped, with the reason, so that the scan, or the
    editor, goes on."""


class TimedOut(OverBudget):
    def __init__(self, limit: float) -> None:
        super().__init__(f"timeout: the rules took over {limit:g} s on this file (file-timeout); "
                         "its findings are not reported")


class OutOfMemory(OverBudget):
    def __init__(self, limit: int) -> None:
        super().__init__(f"memory: the rules grew the process by over {limit} MB on this file (file-memory); "
                         "its findings are not reported")


MEMORY_CHECK_EVERY = 64  # rule calls between two looks at the process's size


def run_rules(ctx: RuleContext, rules: list[Rule], superseded: Callable[[], bool] | None = None,
              memo: StatementMemo | None = None) -> list[Finding]:
    """Run the rules that apply to this file, walking its tree once, then apply suppressions.
    With `memo`, the findings of the statements an edit did not touch are kept from the last
    run rather than worked out again (see `analyzer.incremental`).
    `superseded` is asked between nodes; once it says yes, the run stops with `Superseded`. A
    run that outlasts the configured `file-timeout` stops with `TimedOut`, one that grows the
    process by more than `file-memory` with `OutOfMemory`."""
    ignored = per_file_ignored(ctx.relpath, ctx.config.per_file_ignores)
    active = [r for r in rules if ctx.language in r.languages and not any(r.code.startswith(c) for c in ignored)
              and r.applies_to(ctx)]
    if not active:
        return []
    findings: list[Finding] = []
    failed: set[str] = set()
    limit = ctx.config.file_timeout
    deadline = time.monotonic() + limit if limit else None
    memory_limit = ctx.config.file_memory
    start_mb = resident_mb() if memory_limit else None
    calls = 0

    def within_budget() -> None:
        nonlocal calls
        if deadline is not None and time.monotonic() > deadline:
            raise TimedOut(limit)
        calls += 1
        if start_mb is not None and calls % MEMORY_CHECK_EVERY == 0:
            now_mb = resident_mb()
            if now_mb is not None and now_mb - start_mb > memory_limit:
                raise OutOfMemory(memory_limit)

    def broke(rule: Rule, error: Exception) -> None:
        """A rule that breaks on this file is reported and set aside; the other rules' findings
        for the file are kept."""
        failed.add(rule.code)
        ctx.rule_errors.append(f"{rule.code} failed on this file ({type(error).__name__}: {error}); "
                               "the other rules ran. Please report it.")

    def run(rule: Rule, produce: Callable[[], Iterable[Finding]]) -> None:
        if rule.code in failed:
            return
        within_budget()
        try:
            findings.extend(produce())
        except RecursionError:
            raise
        except Exception as error:
            broke(rule, error)

    plan = None
    if ctx.module is not None:
        dispatch: dict[type, list[Rule]] = defaultdict(list)
        for rule in active:
            for node_type in rule.node_types:
                dispatch[node_type].append(rule)
        local = {rule.code for rule in active if rule.local_to_statement}
        if memo is not None and local:
            plan = memo.plan(ctx.module, ctx.text, ctx.relpath, ctx.index, ctx.config)
        # The rules of a statement whose findings the memo keeps: those that are not local to it.
        elsewhere: dict[type, list[Rule]] = defaultdict(list, {
            kind: [r for r in for_kind if r.code not in local] for kind, for_kind in dispatch.items()})
        produced: dict[int, list[Finding]] = defaultdict(list)
        kinds = tuple(dispatch)
        walk = plan.walk(ctx.module, kinds) if plan is not None else \
            ((node, -1, True) for node in (nodes_within(ctx.module, kinds) if dispatch else ()))
        # The loop a long module spends most of its rules' time in, thousands of calls: each
        # rule is called directly, not through `run`'s closure.
        for node, number, local_runs in walk:
            if superseded is not None and superseded():
                raise Superseded
            for rule in (dispatch if local_runs else elsewhere)[type(node)]:
                if rule.code in failed:
                    continue
                within_budget()
                try:
                    found = list(rule.check(node, ctx))  # all or nothing from a rule that breaks
                except RecursionError:
                    raise
                except Exception as error:
                    broke(rule, error)
                    continue
                findings.extend(found)
                if number >= 0 and rule.code in local:
                    produced[number].extend(found)
        if plan is not None:
            findings.extend(f for kept in plan.kept.values() for f in kept)
    for statement in ctx.statements:
        for rule in active:
            run(rule, lambda rule=rule, statement=statement: list(rule.check_sql(statement, ctx)))
    if ctx.language == "sql":
        for rule in active:
            run(rule, lambda rule=rule: list(rule.check_sql_file(ctx)))
    if ctx.script is not None:
        for rule in active:
            run(rule, lambda rule=rule: list(rule.check_script(ctx.script, ctx)))
    if memo is not None:
        if plan is not None and not failed:
            memo.record(plan, produced, ctx.relpath, ctx.index, ctx.config)
        else:
            memo.forget()
    suppressions = parse_suppressions(ctx.text)
    unique = {(f.rule, f.line, f.column, f.end_line, f.end_column): f for f in findings
              if not suppressions.silences(f)}
    return sorted(unique.values(), key=Finding.sort_key)


def analyze_source(text: str, path: str | Path, config: Config | None = None,
                   index: ProjectIndex | None = None, problems: list[str] | None = None) -> list[Finding]:
    """Analyse one file's text (an unsaved buffer, a snippet); `index` defaults to this file alone.

    Text that cannot be parsed yields no findings, as a skipped file does in `analyze`; the
    reason, and that of any rule that failed on the text, is appended to `problems` if given.
    """
    path = Path(path)
    config = config or Config(root=Path.cwd().resolve())
    language = language_of(path)
    if language is None:
        return []
    size = len(text.encode("utf-8", errors="replace"))
    if size > config.max_file_size:  # as a file on disk: the parser cannot be stopped halfway
        if problems is not None:
            problems.append(f"larger than max-file-size ({size} > {config.max_file_size} bytes)")
        return []
    decoded = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    relpath = path.as_posix()
    if path.is_absolute():
        root = config.root
        relpath = path.relative_to(root).as_posix() if root is not None and path.is_relative_to(root) else path.name
    source = SourceFile(path=path, relpath=relpath, language=language, text=decoded)
    modname = f"_prodready_buffer_{abs(hash(str(path)))}" if index is not None else None
    item = parse_source(source, config, modname)
    if isinstance(item, Skipped):
        if problems is not None:
            problems.append(item.reason)
        return []
    try:
        return analyze_parsed(item, config, index or index_files([item], config), problems)
    finally:
        if item.module is not None:
            forget_modules([item.module.name])


def analyze_parsed(item: ParsedFile, config: Config, index: ProjectIndex, problems: list[str] | None = None,
                   superseded: Callable[[], bool] | None = None, memo: StatementMemo | None = None) -> list[Finding]:
    """Pass 2 on one parsed file, for callers that keep a project's parsed files between runs
    (the language server); the reasons of rules that failed on it go to `problems`. An editor's
    buffer may change while it is analysed: `superseded` lets the caller stop a run whose
    result it would throw away, and `memo`, kept by the caller for this file, spares the
    statements the edit did not touch (see `run_rules`)."""
    ctx = _context(item, config, index)
    try:
        findings = run_rules(ctx, enabled_rules(config), superseded, memo)
    except RecursionError:
        ctx.rule_errors.append("too deeply nested to analyse")
        findings = []
    except OverBudget as budget:
        ctx.rule_errors.append(str(budget))
        findings = []
    if problems is not None:
        problems.extend(ctx.rule_errors)
    return findings
