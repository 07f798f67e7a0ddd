"""MIG006: two latest migrations in one Django app, or two Alembic heads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from astroid import nodes

from ...config import Config
from ...index.django_migrations import is_migration_module
from ...lang.python import Positions
from ...model import Finding, Severity
from ...workspace import is_test_file
from ..base import Rule, RuleContext
from . import DJANGO_MIGRATIONS_DOCS

ALEMBIC_BRANCHES = "Alembic: Working with Branches — https://alembic.sqlalchemy.org/en/latest/branches.html"


class DivergentMigrationHistory(Rule):
    """Two migrations both claim to be the latest: the history has branched and nobody merged it.

    ## Why is this bad?
    Two branches that each added a migration to the same app were merged in git, but not in
    the migration history. Django's `migrate` stops with "Conflicting migrations detected";
    Alembic's `upgrade head` stops with "Multiple head revisions". The deploy that carries them
    fails, or, worse, someone applies one branch by name and the other never runs. The fix is a
    merge migration (`python manage.py makemigrations --merge`, `alembic merge heads`) after
    checking that the two do not touch the same columns.

    ## Example
    ```python
    # billing/migrations/0003_invoice_due_at.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("billing", "0002_invoice_total")]
        operations = []

    # billing/migrations/0003_invoice_currency.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("billing", "0002_invoice_total")]
        operations = []
    ```

    ## Use instead
    ```python
    # billing/migrations/0003_invoice_due_at.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("billing", "0002_invoice_total")]
        operations = []

    # billing/migrations/0003_invoice_currency.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("billing", "0002_invoice_total")]
        operations = []

    # billing/migrations/0004_merge.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("billing", "0003_invoice_due_at"), ("billing", "0003_invoice_currency")]
        operations = []
    ```
    """

    code = "MIG006"
    name = "divergent-migration-history"
    severity = Severity.ERROR
    languages = ("python",)
    references = (DJANGO_MIGRATIONS_DOCS, ALEMBIC_BRANCHES)
    node_types = (nodes.Module,)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return not is_test_file(relpath)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if is_migration_module(ctx.relpath):
            path = PurePosixPath(ctx.relpath)
            app, name = (path.parts[-3] if len(path.parts) >= 3 else ""), path.stem
            leaves = ctx.index.django_migrations.leaves.get(app, [])
            cls = next((c for c in node.body if isinstance(c, nodes.ClassDef) and c.name == "Migration"), None)
            if len(leaves) > 1 and name in leaves and cls is not None:
                others = ", ".join(f"`{leaf}`" for leaf in leaves if leaf != name)
                yield ctx.finding(self, positions.name_span(cls),
                                  f"`{app}` has {len(leaves)} latest migrations (this one and {others}): Django "
                                  f"will refuse to migrate; run `python manage.py makemigrations --merge {app}`")
        heads = ctx.index.alembic.heads
        if len(heads) > 1:
            for head in heads:
                if head.path == ctx.relpath:
                    others = ", ".join(f"`{h.revision}`" for h in heads if h is not head)
                    line = positions.lines[head.line - 1] if head.line <= len(positions.lines) else ""
                    span = positions.span(next(s for s in node.body if s.lineno == head.line))
                    yield ctx.finding(self, span.model_copy(update={"end_column": len(line) + 1}),
                                      f"revision `{head.revision}` is one of {len(heads)} Alembic heads (with "
                                      f"{others}): `alembic upgrade head` will refuse to run; write a merge "
                                      "revision with `alembic merge heads`")
