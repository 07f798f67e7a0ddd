"""Which tenant-scoped table references in a SQL statement are not pinned to one tenant.

A reference is constrained when its tenant column is equal to (or IN) a value in a predicate
that holds for every row: a conjunct at the top of WHERE or of a JOIN's ON, or an equality that
carries the constraint from another, constrained column. A predicate under OR does not hold for
every row, so it does not count. Each SELECT (CTEs and subqueries included) is judged on its own.

A reference is also constrained through the keys of one tenant's rows: `c.author_id IN (SELECT
id FROM authors WHERE organization_id = %s)`, or a join on `c.id = rc.commit_id` to a derived
table that selects one organization's release commits. The subquery is judged on its own too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from ...index import ProjectIndex
from .values import is_capability_field, is_identity_lookup

# A string that reads or changes rows: what a call handing text to the database is judged on.
LOOKS_LIKE_SQL = re.compile(r"^\s*(--[^\n]*\n\s*)*(select|with|update|delete|insert)\b", re.I)


@dataclass(frozen=True)
class Unconstrained:
    table: str
    alias: str
    column: str
    top_level: bool  # in the statement's outermost query (where a fix can add the predicate)
    keyed: bool = False  # the row is picked by its primary key (`WHERE o.id = %s`)


def _conjuncts(condition: exp.Expression | None) -> Iterator[exp.Expression]:
    if condition is None:
        return
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        yield from _conjuncts(condition.left)
        yield from _conjuncts(condition.right)
    else:
        yield condition


class _Classes:
    """Union-find over (alias, column) pairs, with a 'pinned to a value' mark per class."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}
        self.pinned: set[tuple[str, str]] = set()
        self.carried: set[tuple[str, str]] = set()

    def find(self, item: tuple[str, str]) -> tuple[str, str]:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb
            if ra in self.pinned:
                self.pinned.add(rb)
            if ra in self.carried:
                self.carried.add(rb)

    def pin(self, item: tuple[str, str]) -> None:
        self.pinned.add(self.find(item))

    def is_pinned(self, item: tuple[str, str]) -> bool:
        return self.find(item) in self.pinned

    def carry(self, item: tuple[str, str]) -> None:
        """Mark a key column as holding only keys of one tenant's rows."""
        self.carried.add(self.find(item))

    def carries(self, alias: str) -> bool:
        return any(key[0] == alias and self.find(key) in self.carried for key in list(self.parent))


OUTER = "<outer>"


class _Judge:
    def __init__(self, index: ProjectIndex, path: str) -> None:
        self.index = index
        self.path = path

    def tenant_column(self, table: exp.Table) -> str | None:
        info = self.index.table(table.name, self.path)
        return info.tenant_column if info is not None else None

    def _owner(self, column: exp.Column, tables: dict[str, exp.Table]) -> str | None:
        """Alias of the table a column belongs to; OUTER for a correlated reference."""
        qualifier = column.table
        if qualifier:
            return qualifier if qualifier in tables else OUTER
        candidates = []
        for alias, table in tables.items():
            info = self.index.table(table.name, self.path)
            if info is None:
                continue
            if column.name.lower() in info.columns or column.name.lower() == info.tenant_column:
                candidates.append(alias)
        if len(candidates) == 1:
            return candidates[0]
        if len(tables) == 1:
            return next(iter(tables))
        return None

    def constrained(self, tables: dict[str, exp.Table], conditions: list[exp.Expression],
                    pinned_derived: frozenset[str] = frozenset()) -> _Classes:
        classes = _Classes()
        for condition in conditions:
            for conjunct in _conjuncts(condition):
                if isinstance(conjunct, exp.EQ):
                    self._equality(conjunct.left, conjunct.right, tables, classes)
                    self._carried_by_derived(conjunct, tables, pinned_derived, classes)
                elif isinstance(conjunct, exp.In) and isinstance(conjunct.this, exp.Column):
                    owner = self._owner(conjunct.this, tables)
                    if owner and owner != OUTER:
                        classes.pin((owner, conjunct.this.name.lower()))
                        query = conjunct.args.get("query")
                        if _is_key(conjunct.this) and query is not None and self.keys_of_one_tenant(query):
                            classes.carry((owner, conjunct.this.name.lower()))
        return classes

    def _carried_by_derived(self, equality: exp.EQ, tables: dict[str, exp.Table], pinned_derived: frozenset[str],
                            classes: _Classes) -> None:
        """`c2.id = rc2.commit_id` where `rc2` is a derived table of one tenant's rows."""
        left, right = equality.left, equality.right
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
            return
        for mine, theirs in ((left, right), (right, left)):
            if theirs.table in pinned_derived and _is_key(theirs) and _is_key(mine):
                owner = self._owner(mine, tables)
                if owner and owner != OUTER:
                    classes.carry((owner, mine.name.lower()))

    def keys_of_one_tenant(self, query: exp.Expression) -> bool:
        """A subquery that selects one key column from rows pinned to one tenant."""
        select = query.this if isinstance(query, exp.Subquery) else query
        if not isinstance(select, exp.Select) or len(select.expressions) != 1:
            return False
        projected = select.expressions[0]
        column = projected.this if isinstance(projected, exp.Alias) else projected
        if not (isinstance(column, exp.Column) and _is_key(column)):
            return False
        return self.pinned_to_one_tenant(select)

    def pinned_to_one_tenant(self, select: exp.Expression) -> bool:
        """Whether `select` reads a tenant-scoped table, every one of whose references is pinned."""
        if not any(self.tenant_column(table) for table in select.find_all(exp.Table)):
            return False
        return not unconstrained_tables(select.copy(), self.index, self.path)  # a copy stands alone, parent-less

    def _equality(self, left: exp.Expression, right: exp.Expression, tables: dict[str, exp.Table],
                  classes: _Classes) -> None:
        left_col = isinstance(left, exp.Column)
        right_col = isinstance(right, exp.Column)
        if left_col and right_col:
            a, b = self._owner(left, tables), self._owner(right, tables)
            if a is None or b is None:
                return
            key_a, key_b = (a, left.name.lower()), (b, right.name.lower())
            if a == OUTER:
                classes.pin(key_b)
            elif b == OUTER:
                classes.pin(key_a)
            else:
                classes.union(key_a, key_b)
        elif left_col or right_col:
            column, value = (left, right) if left_col else (right, left)
            if value.find(exp.Column) is not None and not isinstance(value, exp.Subquery):
                return  # `t.tenant_id = other.x + 1` is not a value known per request
            owner = self._owner(column, tables)
            if owner and owner != OUTER:
                classes.pin((owner, column.name.lower()))
                self._found_by_who_asks(owner, column.name.lower(), tables, classes)

    def _found_by_who_asks(self, alias: str, column: str, tables: dict[str, exp.Table], classes: _Classes) -> None:
        """`users.email = %(email)s`, `invitation_token = %(token)s` or `project_key = %(key)s`:
        an account found by its sign-in name, or a row by a secret or key its holder presents, in
        whatever tenant it is, as the ORM rules read `User.objects.get(email=...)` and
        `filter(token=...)`. Its tenant column then holds one tenant."""
        table = tables.get(alias)
        info = self.index.table(table.name, self.path) if table is not None else None
        if info is None or not info.tenant_column:
            return
        model = info.model.rsplit(".", 1)[-1] if info.model else info.name.removesuffix("s")
        if is_identity_lookup(model, column) or is_capability_field(column) or column.endswith("_key"):
            classes.pin((alias, info.tenant_column))

    def judge(self, tables: dict[str, exp.Table], conditions: list[exp.Expression],
              top_level: bool, using: list[tuple[str, str]] | None = None,
              pinned_derived: frozenset[str] = frozenset()) -> list[Unconstrained]:
        classes = self.constrained(tables, conditions, pinned_derived)
        for alias, column in using or ():
            # `JOIN c USING (tenant_id)` equates the column with every earlier table that has it.
            for other, table in tables.items():
                info = self.index.table(table.name, self.path)
                if other != alias and info is not None and column in info.columns:
                    classes.union((alias, column), (other, column))
        missing = []
        for alias, table in tables.items():
            column = self.tenant_column(table)
            if column is None:
                continue
            if not classes.is_pinned((alias, column)) and not classes.carries(alias):
                info = self.index.table(table.name, self.path)
                key = info.primary_key if info is not None else "id"
                missing.append(Unconstrained(table=table.name, alias=alias, column=column, top_level=top_level,
                                             keyed=classes.is_pinned((alias, key))))
        return missing


def _join_conditions(select: exp.Expression) -> list[exp.Expression]:
    return [join.args["on"] for join in select.args.get("joins") or () if join.args.get("on") is not None]


def _where(node: exp.Expression) -> exp.Expression | None:
    where = node.args.get("where")
    return where.this if isinstance(where, exp.Where) else None


def unconstrained_tables(tree: exp.Expression, index: ProjectIndex, path: str = "") -> list[Unconstrained]:
    """Every tenant-scoped table reference in `tree`, as the schema for the file at `path`
    defines the tables, that is not pinned to one tenant."""
    judge = _Judge(index, path)
    missing: list[Unconstrained] = []
    if isinstance(tree, (exp.Update, exp.Delete)):
        tables = {}
        target = tree.this
        if isinstance(target, exp.Table):
            tables[target.alias_or_name] = target
        for extra in (tree.args.get("from"), *(tree.args.get("using") or ())):
            for table in (extra.find_all(exp.Table) if extra is not None else ()):
                if table.find_ancestor(exp.Select) is None:
                    tables[table.alias_or_name] = table
        missing += judge.judge(tables, [c for c in (_where(tree), *_join_conditions(tree)) if c is not None], True)
    selects = [s for s in tree.find_all(exp.Select, exp.Union) if s.parent is None or
               s.find_ancestor(exp.Select, exp.Union) is None]
    outermost = tree if isinstance(tree, (exp.Select, exp.Union)) else None
    for select in selects:
        try:
            scopes = traverse_scope(select)
        except (SqlglotError, KeyError, ValueError, RecursionError):
            continue
        for scope in scopes:
            missing += _judge_scope(scope, judge, top_level=scope.expression is outermost)
    return missing


def _judge_scope(scope: Scope, judge: _Judge, top_level: bool) -> list[Unconstrained]:
    select = scope.expression
    if not isinstance(select, exp.Select):
        return []
    tables = {alias: source for alias, source in scope.sources.items() if isinstance(source, exp.Table)}
    if not tables or _only_key_bounds(select):
        return []
    conditions = [c for c in (_where(select), *_join_conditions(select)) if c is not None]
    derived = frozenset(alias for alias, source in scope.sources.items()
                        if isinstance(source, Scope) and source.is_derived_table
                        and judge.pinned_to_one_tenant(source.expression))
    return judge.judge(tables, conditions, top_level, using=_join_using(select), pinned_derived=derived)


def _is_key(column: exp.Column) -> bool:
    """`id`, or a column that holds another row's key (`commit_id`)."""
    name = column.name.lower()
    return name in KEY_COLUMNS or name.endswith("_id")


KEY_COLUMNS = frozenset({"id", "pk"})


def _only_key_bounds(select: exp.Select) -> bool:
    """`SELECT MAX(id) FROM orders`, `COALESCE(MAX(id), 0) + 1`: the highest key so far, to set a
    sequence after a restore or number a bulk insert, carries none of any tenant's rows."""
    columns = [column for projection in select.expressions for column in projection.find_all(exp.Column)]
    return bool(columns) and all(
        column.name.lower() in KEY_COLUMNS and isinstance(column.find_ancestor(exp.Max, exp.Min, exp.Select),
                                                           (exp.Max, exp.Min))
        for column in columns)


def _join_using(select: exp.Expression) -> list[tuple[str, str]]:
    pairs = []
    for join in select.args.get("joins") or ():
        target = join.this
        alias = target.alias_or_name if isinstance(target, exp.Table) else None
        for column in join.args.get("using") or ():
            if alias:
                pairs.append((alias, column.name.lower()))
    return pairs
