"""TEN003: raw SQL that reads or changes a tenant-scoped table without a tenant predicate."""

from __future__ import annotations

import re
from collections.abc import Iterator

from astroid import nodes
from sqlglot import exp

from ...config import Config
from ...fixes.sql_predicate import add_tenant_predicates
from ...index import ProjectIndex
from ...index.handlers import in_request
from ...index.tenant import tenant_words
from ...lang.python import last_name
from ...lang.python_strings import string_value
from ...lang.sql import Statement, parse_script
from ...lang.sql_calls import sql_argument
from ...model import Finding, Fix, FixSafety, Severity, TextEdit
from ...workspace import path_spec
from ..base import Rule, RuleContext
from . import CWE_639
from .context import place_severity
from .django_queries import DjangoQueries
from .keyed_sql import keyed_sql_helper_call
from .policy import tenant_severity
from .row_security import tenant_set_before
from .sql_scope import LOOKS_LIKE_SQL, Unconstrained, unconstrained_tables
from .sqlalchemy_queries import SqlalchemyQueries


class UnfilteredRawSql(Rule):
    """Raw SQL reads or changes a tenant-scoped table without a tenant predicate.

    ## Why is this bad?
    Raw SQL bypasses every safeguard the ORM layer may have (scoped managers, global criteria).
    A statement that touches a tenant-scoped table must pin each reference to one tenant with
    `alias.tenant_id = <value>` (or `IN`) AND-ed at the top of its WHERE, or join it on the
    tenant column to a table that is pinned. A key column matched against the keys of one
    tenant's rows counts as well: `o.customer_id IN (SELECT id FROM customers WHERE tenant_id =
    %s)`, or a join on `o.id = latest.id` to a derived table of that tenant's rows (the subquery
    is judged on its own). A tenant predicate under `OR` holds for only some rows, so `WHERE
    o.tenant_id = %s OR o.is_public` still leaks every public row of every tenant. A row found
    by who asks for it holds one tenant too: a user table by its email or username (sign-in and
    sign-up look across tenants), any table by a secret or key column the caller presents
    (`WHERE invitation_token = %s`, `WHERE project_key = %s`), and tables joined to it on the
    tenant column. Strings built with f-strings or concatenation are checked with their holes
    read as placeholders; .sql files outside migration and documentation folders are checked
    too, except for the rows a file that also creates, alters or drops tables or indexes
    updates, inserts or deletes: such a file is a migration, and its data changes span tenants.
    A hole that writes a clause is read as the clause: `{"AND name ILIKE %s" if name else ""}`
    as the statement without it (so a tenant predicate written only sometimes does not count),
    and `WHERE {" AND ".join(conditions)}` as the conditions the list is made with.

    Each table's columns come from the models and from `CREATE TABLE` statements. An open-core
    project that keeps an enterprise copy of its schema beside the community one (`ee/scripts/
    schema.sql` beside `scripts/schema.sql`) has the code under `ee/` judged against the
    enterprise tables, and the rest against the community ones.

    A statement that picks a row by its primary key alone (`WHERE id = :page_id`, or `WHERE
    revision_id = :revision_id` where the table declares that column its key) in a service or
    repository function is judged where a request handler calls it: handing that function an
    id from the URL or the request body is reported at the call, since the caller chose the id;
    an id read from a row the handler already loaded for the tenant is not.

    Postgres row-level security is honoured where the code shows it: a statement run after the
    same function (or a helper it calls first) wrote the tenant into a custom setting, such as
    `SELECT set_config('app.current_tenant', %s, true)` or `SET LOCAL app.tenant_id = ...`, is
    left to the database's policies.

    ## Example
    ```sql
    CREATE TABLE tenants (id serial PRIMARY KEY, name text);
    CREATE TABLE projects (id serial PRIMARY KEY, tenant_id int REFERENCES tenants (id));
    CREATE TABLE invoices (id serial PRIMARY KEY, tenant_id int REFERENCES tenants (id), total numeric);

    SELECT id, total FROM invoices WHERE total > 100;
    ```

    ## Use instead
    ```sql
    CREATE TABLE tenants (id serial PRIMARY KEY, name text);
    CREATE TABLE projects (id serial PRIMARY KEY, tenant_id int REFERENCES tenants (id));
    CREATE TABLE invoices (id serial PRIMARY KEY, tenant_id int REFERENCES tenants (id), total numeric);

    SELECT id, total FROM invoices WHERE total > 100 AND tenant_id = %(tenant_id)s;
    ```

    ## Fix
    Adds `AND alias.tenant_id = <placeholder>` to the outermost WHERE (parenthesising an
    existing `OR`), or a new `WHERE`, in the placeholder style the statement already uses
    (`%s`, `%(name)s`, `:name`, `?`, `$n`). The fix is unsafe: the new parameter must be bound
    by the caller, and the query's results change.
    """

    code = "TEN003"
    name = "unfiltered-raw-sql"
    severity = Severity.ERROR
    languages = ("python", "sql")
    references = (
        CWE_639,
        "CWE-566: Authorization Bypass Through User-Controlled SQL Primary Key — "
        "https://cwe.mitre.org/data/definitions/566.html",
    )
    fixable = True
    local_to_statement = True
    node_types = (nodes.Call,)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        if language == "sql" and path_spec(config.migrations.paths).match_file(relpath):
            return False
        return tenant_severity(relpath, config, self.severity) is not None

    def applies_to(self, ctx: RuleContext) -> bool:
        return ctx.index.derived("keyed_tables", _has_keyed_table) and super().applies_to(ctx)

    # --- Python ---------------------------------------------------------------------------

    def check(self, node: nodes.Call, ctx: RuleContext) -> Iterator[Finding]:
        argument = sql_argument(node)
        if argument is None:
            yield from self._keyed_helper(node, ctx)
            return
        value = string_value(argument, ctx.positions)
        if value is None or not LOOKS_LIKE_SQL.match(value.text):
            return
        statements = parse_script(value.text, ctx.config.sql.dialect)
        single = len(statements) == 1
        severity = place_severity(node, ctx, self.severity)
        if severity is None:
            return  # no request runs this statement: a job or report working across tenants on purpose
        handler = in_request(node, ctx.index.view_decorators)
        for statement in statements:
            if statement.tree is None:
                ctx.unparsed(statement, node.lineno)
                continue
            missing = unconstrained_tables(statement.tree, ctx.index, ctx.relpath)
            if not missing or (all(m.keyed for m in missing) and not handler):
                continue  # a row picked by its id outside a handler: the caller chose the id
            if tenant_set_before(node, tenant_words(ctx.index.tenant)):
                return  # row-level security: the connection holds the tenant, the database filters
            fix = None
            if single and value.source_offset is not None:
                fix = self._fix(statement, missing, ctx, value.source_offset + statement.start)
            span = ctx.positions.span(value.node if value.node.lineno else argument)
            yield ctx.finding(self, span, _message(statement.tree, missing), fixes=[fix] if fix else [],
                              severity=severity)

    def _keyed_helper(self, node: nodes.Call, ctx: RuleContext) -> Iterator[Finding]:
        if last_name(node.func) not in ctx.index.keyed_helpers:
            return
        django = any(m.framework == "django" for m in ctx.index.scoped_models)
        resolver = DjangoQueries(ctx.index) if django else SqlalchemyQueries(ctx.index)
        found = keyed_sql_helper_call(node, resolver, ctx.config.sql.dialect, tenant_words(ctx.index.tenant),
                                      ctx.relpath)
        if found is None:
            return
        helper, table = found
        severity = place_severity(node, ctx, self.severity, keyed=True)
        if severity is not None:
            message = (f"`{helper}()` runs SQL that picks `{table.table}` by a primary key that comes from the "
                       f"request here, without a predicate on `{table.column}`: any user who changes the id "
                       "reaches another tenant's row")
            yield ctx.finding(self, ctx.positions.span(node), message, severity=severity)

    # --- .sql files -----------------------------------------------------------------------

    def check_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        if statement.tree is None:
            if LOOKS_LIKE_SQL.match(statement.text):
                ctx.unparsed(statement, ctx.statement_span(statement).line)
            return
        missing = unconstrained_tables(statement.tree, ctx.index, ctx.relpath)
        if not missing or (isinstance(statement.tree, DATA_CHANGES) and _changes_the_schema(ctx.statements)):
            return
        span = ctx.statement_span(statement)
        fix = self._fix(statement, missing, ctx, statement.start)
        yield ctx.finding(self, span, _message(statement.tree, missing), fixes=[fix] if fix else [],
                          severity=tenant_severity(ctx.relpath, ctx.config, self.severity))

    def _fix(self, statement: Statement, missing: list[Unconstrained], ctx: RuleContext,
             file_offset: int) -> Fix | None:
        if not all(m.top_level for m in missing):
            return None
        targets = list(dict.fromkeys((m.alias, m.column) for m in missing))
        insertions = add_tenant_predicates(statement.text, statement.tree, targets, ctx.config.sql.dialect)
        if not insertions:
            return None
        edits = []
        for insertion in insertions:
            line, column = ctx.positions.position(file_offset + insertion.offset)
            edits.append(TextEdit(path=ctx.relpath, line=line, column=column, end_line=line, end_column=column,
                                  new_text=insertion.text))
        columns = ", ".join(sorted({f"{alias}.{column}" for alias, column in targets}))
        return Fix(title=f"Add a tenant predicate on {columns} (bind its value)", safety=FixSafety.UNSAFE,
                   edits=tuple(edits))


def _message(tree: exp.Expression, missing: list[Unconstrained]) -> str:
    names = list(dict.fromkeys(f"`{m.table}`" + (f" (as `{m.alias}`)" if m.alias != m.table else "")
                               for m in missing))
    column = missing[0].column
    verb = "changes" if isinstance(tree, (exp.Update, exp.Delete)) else "reads"
    tables = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
    message = f"SQL {verb} {tables} without a predicate on `{column}`, so it reaches every tenant's rows"
    if _tenant_predicate_under_or(tree, {m.column for m in missing}):
        message += f"; the `{column}` condition is under OR, so it does not hold for every row"
    return message


def _tenant_predicate_under_or(tree: exp.Expression, columns: set[str]) -> bool:
    for column in tree.find_all(exp.Column):
        if column.name.lower() in columns and column.find_ancestor(exp.Or) is not None:
            return True
    return False


DATA_CHANGES = (exp.Update, exp.Delete, exp.Insert, exp.Merge)
SCHEMA_OBJECTS = frozenset({"TABLE", "INDEX", "COLUMN", "CONSTRAINT"})
# The same, in the text of a statement sqlglot could not parse (psql's `\gexec`, a DO block).
SCHEMA_CHANGE = re.compile(r"\b(create|alter|drop)\s+(unique\s+)?(table|index)\b", re.I)


def _changes_the_schema(statements: list[Statement]) -> bool:
    """A .sql file that creates, alters or drops tables or indexes is a schema script or a
    migration (`1.18.0/1.18.0.sql` beside the `ALTER TABLE`s of that release): the rows it
    updates are a data migration, run once by an operator over every tenant on purpose."""
    for statement in statements:
        tree = statement.tree
        if isinstance(tree, (exp.Create, exp.Alter, exp.Drop)):
            if str(tree.args.get("kind") or "").upper() in SCHEMA_OBJECTS:
                return True
        elif (tree is None or isinstance(tree, exp.Command)) and SCHEMA_CHANGE.search(statement.text):
            return True
    return False


def _has_keyed_table(index: ProjectIndex) -> bool:
    """Whether any table holds the tenant key: asked once per index, not of every file's
    hundreds of tables (on saleor, which has none, that was 1.5% of a scan)."""
    return any(t.tenant_column for main in index.tables.values() for t in (main, *main.editions.values()))
