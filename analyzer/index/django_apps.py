"""Django app labels as the project's AppConfig classes declare them.

An app's label is the last part of its module path unless its AppConfig says otherwise, and
projects that nest apps of the same name (`features/workflows/core` and
`features/release_pipelines/core`) must: they set `label = "workflows_core"`. Migrations,
dependencies and default table names all speak of that label, so reading it from the folder
alone merges two apps' histories into one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

from astroid import nodes

from ..lang.python import dotted_name
from .kept import keep, module_fact


def app_labels(modules: Iterable[tuple[str, nodes.Module]]) -> dict[str, str]:
    """Folder of an app -> the label its AppConfig declares, for apps that declare one."""
    labels: dict[str, str] = {}
    for relpath, module in modules:
        if PurePosixPath(relpath).name == "apps.py":
            labels.update(module_fact(module, "app_labels", lambda module, relpath=relpath: _declared(relpath, module)))
    return labels


def _declared(relpath: str, module: nodes.Module) -> dict[str, str]:
    labels: dict[str, str] = {}
    for cls in module.body:
        if isinstance(cls, nodes.ClassDef) and _is_app_config(cls):
            label = _class_constant(cls, "label")
            if label:
                labels[str(PurePosixPath(relpath).parent)] = label
    return labels


keep("app_labels", dict[str, str])


def label_for(path: str, labels: dict[str, str]) -> str | None:
    """The declared label of the nearest app folder above `path`."""
    folders = path.split("/")[:-1]
    for end in range(len(folders), 0, -1):
        label = labels.get("/".join(folders[:end]))
        if label is not None:
            return label
    return None


def _is_app_config(cls: nodes.ClassDef) -> bool:
    """AppConfig, or a project's own base of it (`BaseAppConfig`), in an apps.py."""
    return any((dotted_name(base) or "").endswith("Config") for base in cls.bases)


def _class_constant(cls: nodes.ClassDef, name: str) -> str | None:
    for statement in cls.body:
        if isinstance(statement, nodes.Assign) and isinstance(statement.value, nodes.Const) and any(
                isinstance(target, nodes.AssignName) and target.name == name for target in statement.targets):
            value = statement.value.value
            return value if isinstance(value, str) else None
    return None
