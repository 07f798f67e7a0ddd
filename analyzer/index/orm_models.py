"""Pass 1 for Python: the Django and SQLAlchemy model classes one module declares.

Extraction is syntactic and per module (it reads class bodies, never runs them); inheritance,
which crosses modules, is resolved afterwards in `index.build` from the recorded base names.
"""

from __future__ import annotations

import re

from astroid import nodes

from ..lang.python import (
    callee_name,
    dotted_name,
    imported_packages,
    keyword_argument,
    module_memo,
    nodes_within,
    single_assignment,
)
from ..lang.sqlalchemy_columns import column_facts
from .django_schema import schema_options
from .facts import FieldInfo, ModelInfo
from .kept import keep, module_fact

DJANGO_RELATIONS = {
    "ForeignKey": "fk",
    "OneToOneField": "o2o",
    "ManyToManyField": "m2m",
    "ParentalKey": "fk",
    "TenantForeignKey": "fk",
    "TenantOneToOneField": "o2o",
}
# Bases that make a class a Django model even when Django itself cannot be inferred.
DJANGO_MODEL_BASES = {
    "Model",
    "AbstractUser",
    "AbstractBaseUser",
    "PermissionsMixin",
    "TimeStampedModel",
    "TenantModel",
    "TenantModelMixin",
    "PolymorphicModel",
    "MPTTModel",
}
MULTITENANT_BASES = {"TenantModel", "TenantModelMixin"}  # django-multitenant adds the filter itself
SCOPED_MANAGER_CALLS = {"ScopedManager"}  # django-scopes
SQLA_BASES = {"Base", "DeclarativeBase", "Model", "SQLModel", "DeclarativeBaseNoMeta", "AsyncAttrs"}
SQLA_COLUMNS = {"Column", "mapped_column", "Field"}


def _last(name: str | None) -> str:
    return (name or "").rsplit(".", 1)[-1]


def _const(node: nodes.NodeNG | None) -> object:
    return node.value if isinstance(node, nodes.Const) else None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def declared_models(relpath: str, module: nodes.Module) -> tuple[ModelInfo, ...]:
    """The models a module declares, read from it alone, once per tree (or kept). Shared: a
    caller that changes one changes them for every later index."""
    return module_fact(module, "declared_models", lambda module: tuple(extract_models(module, relpath)))


keep("declared_models", tuple[ModelInfo, ...], loose=True)


def extract_models(module: nodes.Module, relpath: str) -> list[ModelInfo]:
    """Model-like classes of one module, Django and SQLAlchemy, with fields as declared here."""
    imported = imported_packages(module)
    uses_django = "django" in imported or "models" in module.name.split(".")  # sentry/models/release.py
    uses_sqla = bool(imported & {"sqlalchemy", "flask_sqlalchemy", "sqlmodel"})
    django_names = _django_field_names(module) if uses_django else set()
    found: list[ModelInfo] = []
    for cls in module.body:
        if not isinstance(cls, nodes.ClassDef):
            continue
        base_names = [dotted_name(base) or "" for base in cls.bases]
        if any(_last(b).endswith(NOT_MODEL_SUFFIXES) for b in base_names):
            continue
        if uses_sqla:
            found.append(_sqlalchemy_model(cls, module, relpath, base_names))
        elif uses_django:
            found.append(_django_model(cls, module, relpath, base_names, django_names))
    return found


NOT_MODEL_SUFFIXES = ("Form", "Serializer", "Schema", "FilterSet", "Admin", "Inline", "View", "ViewSet",
                      "TestCase", "Config", "Command", "Enum", "Choices")


def _django_field_names(module: nodes.Module) -> set[str]:
    names: set[str] = set()
    for node in nodes_within(module, nodes.ImportFrom):
        if (node.modname or "").startswith("django.db"):
            names.update(alias or name for name, alias in node.names)
    return names


# --- Django -----------------------------------------------------------------------------------


def _app_label(module: nodes.Module) -> str:
    parts = module.name.split(".")
    # billing.models -> billing; billing.models.invoice -> billing; models -> the folder name
    if "models" in parts:
        index = parts.index("models")
        return parts[index - 1] if index > 0 else ""
    return parts[-2] if len(parts) > 1 else ""


def _app_from_path(relpath: str) -> str:
    """billing/models.py and billing/models/invoice.py -> billing, when the folder is no package."""
    folders = relpath.split("/")[:-1]
    if "models" in folders:
        folders = folders[:folders.index("models")]
    return folders[-1] if folders else ""


def _django_model(cls: nodes.ClassDef, module: nodes.Module, relpath: str, bases: list[str],
                  django_names: set[str]) -> ModelInfo:
    fields: dict[str, FieldInfo] = {}
    foreign_fields: dict[str, FieldInfo] = {}  # `EncryptedCharField(...)` from a package: a column if a model
    managers: dict[str, str] = {}
    scope_lookups: dict[str, str] = {}
    auto_scoped = any(_last(b) in MULTITENANT_BASES for b in bases)
    meta: dict[str, object] = {}
    qname = f"{module.name}.{cls.name}"
    for statement in cls.body:
        if isinstance(statement, nodes.ClassDef) and statement.name == "Meta":
            for item in statement.body:
                if isinstance(item, nodes.Assign) and isinstance(item.targets[0], nodes.AssignName):
                    meta[item.targets[0].name] = _const(item.value)
            continue
        target, value = single_assignment(statement)
        if target is None or not isinstance(value, nodes.Call):
            continue
        func = callee_name(value) or ""
        callee = _last(func)
        is_django = func.startswith("models.") or func in django_names or callee in ("TenantForeignKey", "ParentalKey")
        kind = _relation_kind(callee)
        if kind and (is_django or callee not in DJANGO_RELATIONS):
            info = _django_relation(target, value, kind)
        elif callee.endswith("Field"):
            nullable = _const(keyword_argument(value, "null")) is True
            column = _const(keyword_argument(value, "db_column")) or target
            info = FieldInfo(target, str(column), "column", required=not nullable, optional=nullable,
                             line=statement.lineno or 0)
        else:
            if callee.endswith("Manager") or callee in ("as_manager",) or _is_manager_factory(value):
                managers[target] = _manager_class_name(value)
                if callee in SCOPED_MANAGER_CALLS or callee in _scoped_manager_factories(module):
                    lookups = [str(k.value.value) for k in value.keywords or ()
                               if isinstance(k.value, nodes.Const) and isinstance(k.value.value, str)]
                    scope_lookups[target] = lookups[0] if lookups else ""
            continue
        info.type = callee
        info.options = schema_options(value, None)
        info.owner = qname
        (fields if is_django else foreign_fields)[target] = info
    declared = any(_last(b) in DJANGO_MODEL_BASES for b in bases) or bool(fields)
    fields.update(foreign_fields)  # a class that is no model is dropped when ancestry is resolved
    app_label = str(meta.get("app_label") or _app_label(module) or _app_from_path(relpath))
    table = meta.get("db_table")
    return ModelInfo(
        name=cls.name,
        qname=f"{module.name}.{cls.name}",
        framework="django",
        path=relpath,
        line=cls.lineno or 0,
        app_label=app_label,
        table=str(table) if table else (f"{app_label}_{cls.name.lower()}" if app_label else cls.name.lower()),
        abstract=meta.get("abstract") is True,
        bases=[_qualify(cls, b) for b in bases],
        fields=fields,
        managers=managers,
        auto_scoped=auto_scoped,
        scope_lookups=scope_lookups,
        declared=declared,
        app_label_declared=bool(meta.get("app_label")),
        managed=meta.get("managed") is not False,
        proxy=meta.get("proxy") is True,
        table_declared=str(table) if table else "",
        shadowed=_shadowed(cls, fields),
    )


def _relation_kind(callee: str) -> str | None:
    """"fk", "o2o" or "m2m" for Django's relation fields and a project's subclasses of them,
    named after what they extend (sentry's `FlexibleForeignKey`, `HashidOneToOneField`)."""
    if callee in DJANGO_RELATIONS:
        return DJANGO_RELATIONS[callee]
    for suffix in ("ForeignKey", "OneToOneField", "ManyToManyField"):
        if callee.endswith(suffix):
            return DJANGO_RELATIONS[suffix]
    return None


def _django_relation(name: str, call: nodes.Call, kind: str) -> FieldInfo:
    target_node = call.args[0] if call.args else keyword_argument(call, "to")
    if isinstance(target_node, nodes.Const) and isinstance(target_node.value, str):
        target = target_node.value
    elif isinstance(target_node, nodes.Name):
        target = _unaliased(target_node)
    else:
        target = dotted_name(target_node) if target_node is not None else None
    column = _const(keyword_argument(call, "db_column")) or (f"{name}_id" if kind != "m2m" else name)
    nullable = _const(keyword_argument(call, "null")) is True
    required = kind != "m2m" and not nullable
    related = _const(keyword_argument(call, "related_name"))
    on_delete = keyword_argument(call, "on_delete") or (call.args[1] if len(call.args) > 1 else None)
    return FieldInfo(name, str(column), kind, target=_last(target) if target else None, required=required,
                     optional=nullable, line=call.lineno or 0, related_name=related if isinstance(related, str) else "",
                     cascades=_last(dotted_name(on_delete) or "") == "CASCADE")


def _unaliased(name: nodes.Name) -> str:
    """`SuperOrganization` of `from ..orgs.models import Organization as SuperOrganization`: the
    class's own name, by which the index knows it."""
    try:
        _, bindings = name.lookup(name.name)
    except Exception:  # astroid lookups can fail on broken code
        return name.name
    for binding in bindings:
        if isinstance(binding, nodes.ImportFrom):
            for imported, alias in binding.names:
                if alias == name.name:
                    return imported
    return name.name


def _scoped_manager_factories(module: nodes.Module) -> frozenset[str]:
    """Module functions that build a django-scopes manager, handed the scope as keywords:
    `def ActivePositionManager(**scope): class Inner(ScopedManager(**scope).__class__): ...`."""
    memo = module_memo(module)
    found = memo.get("scoped_manager_factories")
    if found is None:
        found = memo["scoped_manager_factories"] = frozenset(
            function.name for function in module.body if isinstance(function, nodes.FunctionDef)
            and any(_last(callee_name(call)) in SCOPED_MANAGER_CALLS for call in nodes_within(function, nodes.Call)))
    return found


def _is_manager_factory(call: nodes.Call) -> bool:
    # Manager.from_queryset(QS)() and QS.as_manager()
    func = call.func
    if isinstance(func, nodes.Call):
        return _last(dotted_name(func.func)) == "from_queryset"
    return isinstance(func, nodes.Attribute) and func.attrname == "as_manager"


def _manager_class_name(call: nodes.Call) -> str:
    func = call.func
    if isinstance(func, nodes.Attribute) and func.attrname == "as_manager":
        return _last(dotted_name(func.expr))
    if isinstance(func, nodes.Call) and func.args:
        return _last(dotted_name(func.args[0]))
    return _last(dotted_name(func))


def _qualify(cls: nodes.ClassDef, base: str) -> str:
    """The qualified name of a base class when astroid can resolve it in the scanned project."""
    head = base.split(".")[0]
    try:
        _, assignments = cls.root().lookup(head)
    except Exception:  # astroid lookups can fail on odd code; the source name is still useful
        return base
    for assignment in assignments:
        if isinstance(assignment, nodes.ClassDef):
            return f"{assignment.root().name}.{assignment.name}"
        if isinstance(assignment, nodes.ImportFrom):
            for name, alias in assignment.names:
                if (alias or name) == head:
                    module = assignment.modname
                    if assignment.level:
                        package = cls.root().name.split(".")
                        keep = len(package) - assignment.level
                        module = ".".join(package[: max(keep, 0)] + ([module] if module else []))
                    rest = base.split(".")[1:]
                    return ".".join([module, name, *rest]).lstrip(".")
    return base


# --- SQLAlchemy -------------------------------------------------------------------------------


def _sqlalchemy_model(cls: nodes.ClassDef, module: nodes.Module, relpath: str, bases: list[str]) -> ModelInfo:
    fields: dict[str, FieldInfo] = {}
    table: str | None = None
    schema = ""
    foreign_keys: dict[str, str] = {}
    abstract = False
    for statement in cls.body:
        if isinstance(statement, nodes.FunctionDef) and _is_declared_attr(statement):
            value = next((r.value for r in statement.nodes_of_class(nodes.Return) if r.value is not None), None)
            if isinstance(value, nodes.Call) and _last(dotted_name(value.func)) in SQLA_COLUMNS:
                fields[statement.name] = _sqlalchemy_column(statement.name, value, statement)
            continue
        target, value = single_assignment(statement)
        if target is None:
            continue
        if target == "__tablename__":
            table = _const(value) if isinstance(_const(value), str) else None
            continue
        if target == "__abstract__":
            abstract = _const(value) is True
            continue
        if target == "__table_args__":
            schema = _table_args_schema(value)
            foreign_keys = _table_args_foreign_keys(value)
            continue
        if value is None:
            continue
        call = value if isinstance(value, nodes.Call) else None
        if call is None:
            continue
        callee = _last(dotted_name(call.func))
        if callee in SQLA_COLUMNS:
            fields[target] = _sqlalchemy_column(target, call, statement)
        elif callee in ("relationship", "Relationship"):
            ref = call.args[0] if call.args else None
            ref_name = _const(ref) if isinstance(_const(ref), str) else dotted_name(ref) if ref is not None else None
            if ref_name is None and isinstance(statement, nodes.AnnAssign):
                ref_name = _mapped_target(statement.annotation)
            fields[target] = FieldInfo(target, target, "relationship", target=_last(ref_name) if ref_name else None,
                                       line=statement.lineno or 0)
    declarative = any(_last(b) in SQLA_BASES or b == "db.Model" for b in bases)
    is_declared = table is not None or declarative
    if cls.name in ("Base",) or any(_last(b) in ("DeclarativeBase", "DeclarativeBaseNoMeta") for b in bases):
        abstract = True
    if any(_last(b) == "SQLModel" for b in bases) and not any(
            k.arg == "table" and _const(k.value) is True for k in cls.keywords or ()):
        abstract = True  # a SQLModel without table=True is a schema, not a table
    if table is None and declarative and not abstract:
        # Flask-SQLAlchemy, and bases whose declared_attr __tablename__ derives the name.
        table = _snake(cls.name)
    return ModelInfo(
        name=cls.name,
        qname=f"{module.name}.{cls.name}",
        framework="sqlalchemy",
        path=relpath,
        line=cls.lineno or 0,
        table=table or "",
        abstract=abstract or table is None,
        bases=[_qualify(cls, b) for b in bases],
        fields=_owned(fields, f"{module.name}.{cls.name}"),
        declared=is_declared,
        schema=schema,
        foreign_keys=foreign_keys,
    )


def _table_args_schema(value: nodes.NodeNG | None) -> str:
    """`{"schema": "dispatch_core"}`, or the options dict that ends a `__table_args__` tuple."""
    if isinstance(value, nodes.Tuple) and value.elts:
        value = value.elts[-1]
    if not isinstance(value, nodes.Dict):
        return ""
    for key, item in value.items:
        if _const(key) == "schema" and isinstance(_const(item), str):
            return str(_const(item))
    return ""


def _table_args_foreign_keys(value: nodes.NodeNG | None) -> dict[str, str]:
    """Column -> "table.column" of the `ForeignKeyConstraint(["project_id"], ["projects.id"])`
    entries of `__table_args__`: how a table declares a foreign key on a column that a mixin
    gives it. A column's single-column constraint wins over its place in a composite one."""
    entries = value.elts if isinstance(value, (nodes.Tuple, nodes.List)) else [value]
    found: dict[str, str] = {}
    composite: dict[str, str] = {}
    for entry in entries:
        if not (isinstance(entry, nodes.Call) and _last(dotted_name(entry.func)) == "ForeignKeyConstraint"
                and len(entry.args) >= 2 and all(isinstance(a, (nodes.List, nodes.Tuple)) for a in entry.args[:2])):
            continue
        columns, targets = ([_const(e) for e in a.elts] for a in entry.args[:2])
        if len(columns) != len(targets) or not all(isinstance(x, str) for x in (*columns, *targets)):
            continue
        for column, target in zip(columns, targets, strict=True):
            (found if len(columns) == 1 else composite).setdefault(column, target)
    return {**composite, **found}


def _owned(fields: dict[str, FieldInfo], qname: str) -> dict[str, FieldInfo]:
    for info in fields.values():
        info.owner = info.owner or qname
    return fields


def _shadowed(cls: nodes.ClassDef, fields: dict[str, FieldInfo]) -> set[str]:
    """Names a class gives a non-field meaning, hiding a field it would inherit: `comment = None`
    (Django's way to drop an abstract parent's field), or a property named like the field."""
    names = set()
    for statement in cls.body:
        if isinstance(statement, nodes.Assign) and not isinstance(statement.value, nodes.Call):
            names.update(t.name for t in statement.targets if isinstance(t, nodes.AssignName))
        elif isinstance(statement, nodes.FunctionDef) and any(
                "property" in (dotted_name(d) or "") for d in (statement.decorators.nodes if statement.decorators
                                                              else ())):
            names.add(statement.name)
    return names - set(fields)


def _is_declared_attr(function: nodes.FunctionDef) -> bool:
    return any("declared_attr" in (dotted_name(d.func if isinstance(d, nodes.Call) else d) or "")
               for d in (function.decorators.nodes if function.decorators else ()))


def _mapped_target(annotation: nodes.NodeNG) -> str | None:
    """`Mapped[Customer]`, `Mapped["Customer"]`, `Mapped[list["Item"]]`, `Mapped[Optional[Customer]]`
    -> the class name the relationship points to."""
    names = [n.value for n in annotation.nodes_of_class(nodes.Const) if isinstance(n.value, str)]
    names += [n.name for n in annotation.nodes_of_class(nodes.Name)]
    candidates = [n.strip("'\"") for n in names if n not in ("Mapped", "list", "List", "Optional", "set", "Set", "None",
                                                             "WriteOnlyMapped", "DynamicMapped")]
    return candidates[-1].rsplit(".", 1)[-1] if candidates else None


def _sqlalchemy_column(name: str, call: nodes.Call, statement: nodes.NodeNG) -> FieldInfo:
    inner = keyword_argument(call, "sa_column")
    if isinstance(inner, nodes.Call) and _last(dotted_name(inner.func)) == "Column":
        call = inner  # SQLModel's Field(sa_column=Column(ForeignKey("tenant.id"))): the column is that one
    column = name
    target = None
    if call.args and isinstance(_const(call.args[0]), str):
        column = str(_const(call.args[0]))
    if isinstance(_const(keyword_argument(call, "name")), str):  # mapped_column(Integer, name="fee_percent")
        column = str(_const(keyword_argument(call, "name")))
    cascades = False
    for arg in call.args:
        if isinstance(arg, nodes.Call) and _last(dotted_name(arg.func)) == "ForeignKey" and arg.args:
            ref = arg.args[0]
            target = _const(ref) if isinstance(_const(ref), str) else dotted_name(ref)
            cascades = str(_const(keyword_argument(arg, "ondelete")) or "").upper() == "CASCADE"
    foreign_key = keyword_argument(call, "foreign_key")  # SQLModel Field(foreign_key="team.id")
    if target is None and isinstance(_const(foreign_key), str):
        target = str(_const(foreign_key))
    nullable = _const(keyword_argument(call, "nullable"))
    primary = _const(keyword_argument(call, "primary_key")) is True
    annotation = statement.annotation if isinstance(statement, nodes.AnnAssign) else None
    optional = (annotation is not None and "Optional" in annotation.as_string()) or (
        annotation is not None and "None" in annotation.as_string())
    required = primary or nullable is False or (nullable is None and annotation is not None and not optional)
    returns = statement.returns if isinstance(statement, nodes.FunctionDef) else None  # a declared_attr
    return FieldInfo(name, column, "fk" if target else "column", target=target, required=required,
                     optional=nullable is True or optional, line=statement.lineno or 0,
                     column_facts=column_facts(call, name, annotation or returns), cascades=cascades)
