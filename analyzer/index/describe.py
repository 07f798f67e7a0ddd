"""What the index learned, for people: `prodready index` prints it so a user can see why a
query is judged as it is (which model is the tenant, which models carry its key, and why)."""

from __future__ import annotations

from typing import Any

from ..model import Skipped
from . import ProjectIndex


def describe_index(index: ProjectIndex, skipped: list[Skipped]) -> dict[str, Any]:
    models = sorted(index.models.values(), key=lambda m: (m.path, m.line))
    return {
        "tenant": {
            "models": index.tenant.models,
            "tables": index.tenant.tables,
            "fields": index.tenant.fields,
            "reason": index.tenant.reason,
            "key_names": sorted(index.tenant_names),
        },
        "models": [
            {
                "name": m.name,
                "qualified_name": m.qname,
                "framework": m.framework,
                "path": m.path,
                "line": m.line,
                "table": m.table,
                "abstract": m.abstract,
                "status": _status(m, index),
                "tenant_field": m.tenant_field,
                "tenant_column": m.tenant_column,
                "bound_via": m.bound_via,
                "scoped_managers": sorted(m.scoped_managers),
                "scoped_query_methods": sorted(m.scoped_query_methods),
                "auto_scoped": m.auto_scoped,
                "reason": m.tenant_reason,
            }
            for m in models
        ],
        "tables": [
            {"name": t.name, "tenant_column": t.tenant_column, "path": t.path, "line": t.line, "model": t.model}
            for t in sorted(index.tables.values(), key=lambda t: t.name)
        ],
        "scoping_methods": sorted(index.scoping_methods),
        "scoped_manager_classes": sorted(index.scoped_manager_classes),
        "global_criteria": index.global_criteria or None,
        "tenant_schemas": index.tenant_schemas or None,
        "request_reachable": len(index.request_reachable),
        "admin_reachable": len(index.quiet_reachable - index.request_reachable),
        "skipped": [s.model_dump() for s in skipped],
    }


def _status(model, index: ProjectIndex) -> str:
    if model.name in index.tenant.models:
        return "tenant"
    if model.is_tenant_scoped:
        return "tenant-scoped"
    if model.is_tenant_bound:
        return "tenant-bound"
    return "global"


def index_text(index: ProjectIndex, skipped: list[Skipped]) -> str:
    data = describe_index(index, skipped)
    tenant = data["tenant"]
    lines = ["Tenant", f"  {tenant['reason']}"]
    if tenant["key_names"]:
        lines.append(f"  key fields and columns: {', '.join(tenant['key_names'])}")
    lines += ["", f"Models ({len(data['models'])})"]
    for m in data["models"]:
        if m["abstract"]:
            continue
        detail = {
            "tenant": "the tenant",
            "tenant-scoped": f"tenant-scoped by `{m['tenant_field']}`",
            "tenant-bound": f"tenant-bound through `{m['bound_via']}`",
            "global": "global (not tenant data)",
        }[m["status"]]
        extras = []
        if m["scoped_managers"]:
            extras.append("self-scoping managers: " + ", ".join(m["scoped_managers"]))
        if m["scoped_query_methods"]:
            extras.append("query_class methods that filter: " + ", ".join(m["scoped_query_methods"]))
        if m["auto_scoped"]:
            extras.append("scoped by its framework")
        extra = f"; {'; '.join(extras)}" if extras else ""
        lines.append(f"  {m['name']:<24} {m['framework']:<10} {m['path']}:{m['line']}  {detail}{extra}")
    scoped_tables = [t for t in data["tables"] if t["tenant_column"]]
    lines += ["", f"Tenant-scoped tables ({len(scoped_tables)} of {len(data['tables'])})"]
    for t in scoped_tables:
        lines.append(f"  {t['name']:<32} {t['tenant_column']}")
    if data["scoping_methods"]:
        lines += ["", "Queryset methods that filter by tenant: " + ", ".join(data["scoping_methods"])]
    if data["scoped_manager_classes"]:
        lines += ["Managers whose get_queryset filters by tenant: " + ", ".join(data["scoped_manager_classes"])]
    lines += ["", f"Functions reached from request handlers: {data['request_reachable']} by name "
                  f"(+{data['admin_reachable']} only from admin-like handlers)"]
    if data["global_criteria"]:
        lines += ["", f"Global SQLAlchemy criteria (with_loader_criteria) at {data['global_criteria']}"]
    if data["tenant_schemas"]:
        lines += ["", f"One schema per tenant (schema_translate_map) at {data['tenant_schemas']}: tables of the "
                      "default schema are isolated by it"]
    if skipped:
        lines += ["", f"Skipped ({len(skipped)})"] + [f"  {s.path}: {s.reason}" for s in skipped]
    return "\n".join(lines)
