"""Where a project configures itself: Django settings modules, Flask config classes and `app.config`.

The same setting is written in many ways (`SESSION_COOKIE_SECURE = False` at module level,
as a class attribute of `ProductionConfig`, `app.config["SESSION_COOKIE_SECURE"] = False`,
`app.config.update(SESSION_COOKIE_SECURE=False)`); rules ask for the assignments by name and
never care which spelling was used. Development and test settings are told apart by their
names, because a project is judged by what it runs in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from astroid import nodes

from ..lang.python import module_memo, nodes_within
from ..lang.words import words

DEVELOPMENT_WORDS = frozenset({"dev", "development", "local", "test", "tests", "testing", "ci", "debug", "conftest",
                               "example", "examples", "sample", "docs"})
PRODUCTION_WORDS = frozenset({"prod", "production", "live", "deploy", "deployment", "staging"})
# Module-level names that only a Django settings module assigns.
DJANGO_SETTINGS_NAMES = frozenset({"INSTALLED_APPS", "MIDDLEWARE", "ROOT_URLCONF", "DATABASES", "SECRET_KEY",
                                   "AUTH_USER_MODEL", "WSGI_APPLICATION"})


@dataclass(frozen=True)
class Setting:
    """One assignment of a setting: its name, the value node, and where to point."""

    name: str
    value: nodes.NodeNG
    node: nodes.NodeNG
    owner: str = ""  # the config class, for Flask-style settings; "" at module level
    augmented: bool = False  # MIDDLEWARE += [...]


def setting_assignments(module: nodes.Module) -> Iterator[Setting]:
    """Every upper-case setting a module assigns, in any of the spellings above; found once per
    module, however many rules ask."""
    memo = module_memo(module)
    if "settings" not in memo:
        memo["settings"] = tuple(_find_settings(module))
    return iter(memo["settings"])


def _find_settings(module: nodes.Module) -> Iterator[Setting]:
    for statement in module.body:
        yield from _statement_settings(statement, "")
        if isinstance(statement, nodes.ClassDef):
            for inner in statement.body:
                yield from _statement_settings(inner, statement.name)
    for call in nodes_within(module, nodes.Call):
        func = call.func
        if isinstance(func, nodes.Attribute) and func.attrname in ("update", "from_mapping") and \
                isinstance(func.expr, nodes.Attribute) and func.expr.attrname == "config":
            for keyword in call.keywords or ():
                if keyword.arg and keyword.arg.isupper():
                    yield Setting(keyword.arg, keyword.value, keyword)
            for argument in call.args:
                if isinstance(argument, nodes.Dict):
                    yield from _dict_settings(argument)
    for assign in nodes_within(module, nodes.Assign):
        for target in assign.targets:
            if isinstance(target, nodes.Subscript) and isinstance(target.value, nodes.Attribute) and \
                    target.value.attrname == "config" and isinstance(target.slice, nodes.Const) and \
                    isinstance(target.slice.value, str):
                yield Setting(target.slice.value, assign.value, assign)


def _statement_settings(statement: nodes.NodeNG, owner: str) -> Iterator[Setting]:
    if isinstance(statement, nodes.Assign):
        for target in statement.targets:
            if isinstance(target, nodes.AssignName) and target.name.isupper():
                yield Setting(target.name, statement.value, statement, owner)
    elif isinstance(statement, nodes.AnnAssign) and statement.value is not None and \
            isinstance(statement.target, nodes.AssignName) and statement.target.name.isupper():
        yield Setting(statement.target.name, statement.value, statement, owner)
    elif isinstance(statement, nodes.AugAssign) and isinstance(statement.target, nodes.AssignName) and \
            statement.target.name.isupper():
        yield Setting(statement.target.name, statement.value, statement, owner, augmented=True)


def _dict_settings(mapping: nodes.Dict) -> Iterator[Setting]:
    for key, value in mapping.items:
        if isinstance(key, nodes.Const) and isinstance(key.value, str) and key.value.isupper():
            yield Setting(key.value, value, key)


def is_django_settings(module: nodes.Module) -> bool:
    names = {s.name for s in _module_level(module)}
    return len(names & DJANGO_SETTINGS_NAMES) >= 2


def _module_level(module: nodes.Module) -> Iterator[Setting]:
    for statement in module.body:
        yield from _statement_settings(statement, "")


def _path_words(relpath: str, owner: str = "") -> set[str]:
    path = PurePosixPath(relpath)
    found = {w for part in (*path.parts[:-1], path.stem) for w in words(part)}
    return found | set(words(owner))


def is_development(relpath: str, owner: str = "") -> bool:
    """`settings/dev.py`, `local_settings.py`, `class TestingConfig`: not what production runs."""
    return bool(_path_words(relpath, owner) & DEVELOPMENT_WORDS)


def is_production(relpath: str, owner: str = "") -> bool:
    """`settings/production.py`, `config/prod.py`, `class ProductionConfig`."""
    return bool(_path_words(relpath, owner) & PRODUCTION_WORDS)


def strings_in(node: nodes.NodeNG) -> list[str]:
    """Every string literal inside a setting's value: the entries of MIDDLEWARE, INSTALLED_APPS."""
    return [n.value for n in nodes_within(node, nodes.Const) if isinstance(n.value, str)]


def literal(node: nodes.NodeNG) -> object:
    """The value of a constant setting, or `...` when it is computed (`env.bool(...)`, `not DEBUG`)."""
    return node.value if isinstance(node, nodes.Const) else ...
