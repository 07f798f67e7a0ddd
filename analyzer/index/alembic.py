"""Alembic's revision graph, read from the version files: revisions, their parents, the heads.

Each file of a `versions/` folder names its `revision` and `down_revision` (a tuple for a
merge); the heads are the revisions no other names as its parent. Two heads mean two people
branched the schema and nobody merged: `alembic upgrade head` refuses to run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from astroid import nodes

from .kept import keep, module_fact


@dataclass
class Revision:
    revision: str
    parents: tuple[str, ...]
    path: str
    line: int  # of the `revision = ...` assignment


@dataclass
class AlembicHistory:
    revisions: dict[str, Revision] = field(default_factory=dict)

    @property
    def folders(self) -> set[str]:
        """The `versions/` folders: more than one means more than one database."""
        return {r.path.rsplit("/", 1)[0] for r in self.revisions.values()}

    @property
    def heads(self) -> list[Revision]:
        parents = {parent for revision in self.revisions.values() for parent in revision.parents}
        return sorted((r for r in self.revisions.values() if r.revision not in parents), key=lambda r: r.path)


def _strings(value: nodes.NodeNG) -> tuple[str, ...]:
    if isinstance(value, nodes.Const) and isinstance(value.value, str):
        return (value.value,)
    if isinstance(value, (nodes.Tuple, nodes.List)):
        return tuple(e.value for e in value.elts if isinstance(e, nodes.Const) and isinstance(e.value, str))
    return ()


def read_alembic(modules: Iterable[tuple[str, nodes.Module]]) -> AlembicHistory:
    history = AlembicHistory()
    for relpath, module in modules:
        if "versions" not in relpath.split("/")[:-1]:
            continue
        found = module_fact(module, "alembic_revision", _revision)
        if found is not None:
            revision, parents, line = found
            history.revisions[revision] = Revision(revision, parents, relpath, line)
    return history


def _revision(module: nodes.Module) -> tuple[str, tuple[str, ...], int] | None:
    """(revision, its parents, the line of `revision = ...`) of a version file."""
    assigned: dict[str, nodes.Assign] = {}
    for statement in module.body:
        targets = statement.targets if isinstance(statement, nodes.Assign) else \
            [statement.target] if isinstance(statement, nodes.AnnAssign) and statement.value else []
        for target in targets:
            if isinstance(target, nodes.AssignName) and target.name in ("revision", "down_revision"):
                assigned[target.name] = statement
    if "revision" not in assigned or "down_revision" not in assigned:
        return None
    revision = _strings(assigned["revision"].value)
    if len(revision) != 1:
        return None
    return revision[0], _strings(assigned["down_revision"].value), assigned["revision"].lineno or 1


keep("alembic_revision", tuple[str, tuple[str, ...], int] | None)
