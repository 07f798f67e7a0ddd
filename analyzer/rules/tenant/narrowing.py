"""Where an unscoped query goes after it is built, which can make it safe after all.

A query assigned to a variable whose every use narrows it, passed to a helper that filters,
nested inside another query, or whose fetched row is checked against the tenant right after
is not a leak at the place it is built. These checks are shared by the ORM rules.
"""

from __future__ import annotations

import re

import astroid
from astroid import nodes

from ...index.callers import unconverted
from ...index.handlers import (
    ADMIN_WORDS,
    OWNER_FIELDS,
    enclosing_functions,
    guarding_settings,
    in_request,
    is_request_handler,
    wraps_a_view,
)
from ...lang.python import dotted_name, last_name, nodes_within, safe_infer, single_assignment
from ...lang.words import words
from .chains import MAX_DEPTH, ChainResolver, assigned_values, chain_keywords, outermost_call, under_tenant_test
from .values import REQUEST_DATA, USER_OBJECTS, is_capability_field, is_the_caller


def every_use_scoped(target: nodes.AssignName, resolver: ChainResolver, depth: int = 0) -> bool:
    """Whether every read of the value assigned to `target` narrows it to the tenant.

    `qs = Invoice.objects.all(); qs = qs.filter(tenant=t)` is safe; so is a value only ever
    passed to a helper that filters, or one narrowed whenever a tenant is known. A value also
    used as it is (rendered, returned, filtered only inside an unrelated `if`) is not.
    """
    uses = []
    overwritten = _overwritten_after(target)
    for use in nodes_within(target.scope(), nodes.Name):
        if use.name != target.name:
            continue
        try:
            _, assignments = use.lookup(use.name)
        except Exception:  # astroid lookups can fail on broken code
            return False
        if target in assignments and not any(
                use.lineno in lines and use.lineno > (k.lineno or 0) and use.statement() is not k
                for k, lines in overwritten):
            uses.append(use)
    if not uses or depth > MAX_DEPTH:
        return False
    if any(_scoped_when_tenant_known(use, resolver) for use in uses):
        return True
    for use in uses:
        if _only_inspected(use):
            continue  # hasattr(qs, "with_state"): no row leaves through a question about the object
        outer = outermost_call(use)
        candidates = [outer] if outer is not use else []
        if isinstance(use.parent, nodes.Call) and use in use.parent.args:
            candidates.append(use.parent)
        if any((chain := resolver.resolve(c)) is not None and chain.scoped for c in candidates):
            continue
        fetch = use.parent if isinstance(use.parent, nodes.Call) else None
        if fetch is not None and checked_after_fetch(fetch, resolver):
            continue  # check = get_object_or_404(qs, code=code); if check.project_id != ...
        if outer is use and _argument_of_query(use, resolver):
            continue  # Prefetch("labels", queryset=labels), filter(id__in=visible)
        if isinstance(use.parent, nodes.Return) and _judged_by_callers(use.parent, resolver):
            continue  # `members = WorkspaceUser.objects.select_related(...); return members`
        # `tasks = tasks.filter(status=s)`, `qs = attach_points(qs)`: the value lives on in a new
        # assignment, through a query step or a helper that returns the query it was given.
        through_helper = candidates and candidates[-1] is use.parent and outer is use \
            and resolver.resolve(use.parent) is not None
        carrier = use.parent if through_helper else outer
        statement = carrier.parent
        reassigned = carrier is not use and isinstance(statement, nodes.Assign) and all(
            isinstance(t, nodes.AssignName) for t in statement.targets)
        if reassigned and all(every_use_scoped(t, resolver, depth + 1) for t in statement.targets):
            continue
        return False
    return True


def _overwritten_after(target: nodes.AssignName) -> list[tuple[nodes.Assign, range]]:
    """The assignments to the same name after `target` that every path runs, each with the
    lines over which it has surely run: the value does not reach a use on those lines past it.
    astroid's lookup keeps an assignment made in an `if` alive past such a statement:
    `base = select(...)` in a branch, `base = base.filter(...)` after it."""
    scope = target.scope()
    statement = target.statement()
    if not isinstance(scope, nodes.FunctionDef):
        return []
    found = []
    for assign in nodes_within(scope, nodes.Assign):
        if assign is statement or (assign.lineno or 0) <= (statement.lineno or 0) or not any(
                isinstance(t, nodes.AssignName) and t.name == target.name for t in assign.targets):
            continue
        region = _region_always_run(assign, scope)
        if region is not None:
            found.append((assign, region))
    for branch in nodes_within(scope, nodes.If):
        # `if kind == ACCESS: stmt = stmt.where(...) elif ...: stmt = ... else: raise`: past the
        # `if`, every path that goes on has assigned anew.
        if (branch.lineno or 0) <= (statement.lineno or 0) or branch.parent_of(statement) \
                or not _every_branch_assigns(branch, target.name):
            continue
        region = _region_always_run(branch, scope)
        if region is not None:
            found.append((branch, range((branch.tolineno or 0) + 1, region.stop)))
    return found


def _every_branch_assigns(branch: nodes.If, name: str) -> bool:
    def settles(body: list[nodes.NodeNG]) -> bool:
        if not body:
            return False
        if len(body) == 1 and isinstance(body[0], nodes.If):
            return _every_branch_assigns(body[0], name)
        return isinstance(body[-1], (nodes.Raise, nodes.Return)) or any(
            isinstance(s, nodes.Assign) and any(isinstance(t, nodes.AssignName) and t.name == name for t in s.targets)
            for s in body)
    return settles(branch.body) and settles(branch.orelse)


def _region_always_run(statement: nodes.NodeNG, function: nodes.FunctionDef) -> range | None:
    """The lines after which `statement` has run on every path: to the end of the function, or
    of the `try` body it is in (an exception before it leaves for the handlers). None inside a
    branch or a loop; `with` blocks run their bodies."""
    region = None
    child, parent = statement, statement.parent
    while parent is not function:
        if isinstance(parent, (nodes.Try, nodes.TryStar)) and child in parent.body:
            region = region or range(statement.lineno or 0, (parent.body[-1].tolineno or 0) + 1)
        elif not isinstance(parent, (nodes.With, nodes.AsyncWith)):
            return None
        child, parent = parent, parent.parent
    return region or range(statement.lineno or 0, (function.tolineno or 0) + 1)


INSPECTORS = frozenset({"hasattr", "isinstance", "type", "id", "callable"})


def _only_inspected(use: nodes.Name) -> bool:
    parent = use.parent
    return isinstance(parent, nodes.Call) and isinstance(parent.func, nodes.Name) \
        and parent.func.name in INSPECTORS and use in parent.args


def _argument_of_query(use: nodes.Name, resolver: ChainResolver) -> bool:
    parent = use.parent
    if isinstance(parent, nodes.Keyword):
        parent = parent.parent
    if not isinstance(parent, nodes.Call):
        return False
    name = (dotted_name(parent.func) or "").rsplit(".", 1)[-1]
    if name in SUBQUERY_WRAPPERS:
        return True
    return isinstance(parent.func, nodes.Attribute) and parent.func.attrname in NARROWING_METHODS \
        and parent.func.attrname not in ("union", "union_all")


def _scoped_when_tenant_known(use: nodes.Name, resolver: ChainResolver) -> bool:
    """`if self.group_id: stmt = stmt.where(Recipe.group_id == self.group_id)`: the code knows
    about the tenant and narrows whenever there is one to narrow by; a missing tenant is a
    configuration of the caller (an instance-wide admin), not a forgotten filter. So too a
    narrowing by a parameter every caller passes, whenever it is not empty: `if projects:
    versions = versions.filter(id__in=ReleaseProject.objects.filter(project_id__in=projects))`."""
    outer = outermost_call(use)
    if outer is use:
        return False
    chain = resolver.resolve(outer)
    if chain is None or not chain.scoped:
        return False
    names = resolver.index.tenant_names | {n.removesuffix("_id") for n in resolver.index.tenant_names}
    given = {name.name for call in _steps_after(use, outer)
             for value in (*call.args, *(k.value for k in call.keywords or ()))
             for name in value.nodes_of_class(nodes.Name) if name.name not in ("self", "cls", "request")
             and _handed_as_it_is(name) and _required_parameter(name)}
    return under_tenant_test(outer, names | USER_OBJECTS | given)  # if is_user(auth_subject): per kind of caller


def _required_parameter(name: nodes.Name) -> bool:
    """A parameter without a default: every caller passes it, and a test of it only guards the
    empty case. An optional one (`agent_id=None`) is one that callers leave out."""
    if assigned_values(name) != "parameter":
        return False
    function = name.frame()
    if not isinstance(function, nodes.FunctionDef):
        return False
    try:
        function.args.default_value(name.name)
    except astroid.NoDefault:
        return True
    return False


def _handed_as_it_is(name: nodes.Name) -> bool:
    """`project_id__in=projects`, `in_(projects)`: the value itself, not a part of it
    (`filters["organization_id"]`, `request.user`)."""
    parent = name.parent
    return isinstance(parent, nodes.Keyword) or (isinstance(parent, nodes.Call) and name in parent.args)


def _steps_after(use: nodes.Name, outer: nodes.Call) -> list[nodes.Call]:
    """The calls chained onto `use` up to `outer`: `.filter(...)` of `versions.filter(...)`."""
    steps, node = [], use.parent
    while node is not None and node is not outer.parent:
        if isinstance(node, nodes.Call):
            steps.append(node)
        node = node.parent
    return steps


def narrowed_elsewhere(node: nodes.Call, resolver: ChainResolver) -> bool:
    """An unscoped query is narrowed where it goes: every later use of its variable, a helper
    it is passed to, or every caller of the function that returns it."""
    parent = node.parent
    if isinstance(parent, (nodes.Assign, nodes.AnnAssign)):
        targets = parent.targets if isinstance(parent, nodes.Assign) else [parent.target]
        return any(isinstance(t, nodes.AssignName) and every_use_scoped(t, resolver) for t in targets)
    if isinstance(parent, nodes.Call) and node in parent.args:
        if isinstance(parent.func, nodes.Attribute) and resolver.resolve(parent.func.expr) is not None:
            return False  # `scoped.union(Invoice.objects.all())`: an argument of a query, not a helper
        chain = resolver.resolve(parent)
        if chain is not None and not chain.scoped and outermost_call(parent) is parent:
            return narrowed_elsewhere(parent, resolver)  # stmt = M.preload(select(M)), then stmt.where(...)
        return chain is not None and chain.scoped
    if isinstance(parent, nodes.Return):
        return _judged_by_callers(parent, resolver)
    return False


def _judged_by_callers(statement: nodes.Return, resolver: ChainResolver) -> bool:
    """`return qs` from a query builder outside any handler is judged where it is called; from
    another function, it is narrowed when every caller in the module narrows it."""
    function = statement.scope()
    if isinstance(function, nodes.FunctionDef) and function.name in resolver.index.query_builders \
            and not in_request(statement):
        return True
    return _every_caller_scopes(function, resolver)


def _every_caller_scopes(function: nodes.NodeNG, resolver: ChainResolver) -> bool:
    if not isinstance(function, nodes.FunctionDef) or function.name in ("get_queryset", "queryset"):
        return False
    callers = [call for call in nodes_within(function.root(), nodes.Call)
               if getattr(call.func, "name", getattr(call.func, "attrname", None)) == function.name]
    if not callers:
        return False
    for call in callers:
        chain = resolver.resolve(outermost_call(call))
        if chain is None or not chain.scoped:
            return False
    return True


SUBQUERY_WRAPPERS = frozenset({"Subquery", "Exists", "Prefetch", "OuterRef", "ArraySubquery", "exists"})
# Methods of a query whose arguments can hold another query that only narrows or annotates it.
NARROWING_METHODS = frozenset({
    "filter", "exclude", "annotate", "alias", "aggregate", "values", "prefetch_related", "update", "get",
    "where", "filter_by", "having", "options", "join", "outerjoin", "select_from", "add_columns", "in_",
    "notin_", "any_", "all_", "order_by", "first", "get_or_create", "update_or_create",
})
# SQLAlchemy's `.exists()` builds an EXISTS clause. Django's runs the query but answers one bit,
# and is left alone on purpose: `Invite.objects.filter(email=email).exists()` at sign-up asks
# whether anyone invited this address, which is how most such checks read.
SUBQUERY_STEPS = frozenset({"subquery", "scalar_subquery", "exists", "cte", "alias", "lateral"})


def nested_in_query(node: nodes.Call, resolver: ChainResolver) -> bool:
    """A query used inside another query (a subquery, an `id__in=` value, a Prefetch, a
    correlated `Exists`) only narrows or decorates the outer rows: the outer query is judged.
    `union` is the exception, since it adds rows."""
    current: nodes.NodeNG = node
    while isinstance(current, nodes.Call) and isinstance(current.func, nodes.Attribute):
        if current.func.attrname in SUBQUERY_STEPS:
            return True
        if _correlated(current):
            return True  # correlated to an outer query: meaningless on its own
        current = current.func.expr
    child: nodes.NodeNG = node
    parent = node.parent
    while parent is not None and not isinstance(parent, (nodes.Assign, nodes.Return, nodes.Expr,
                                                         nodes.FunctionDef, nodes.ClassDef, nodes.Module)):
        if isinstance(parent, nodes.Call) and child is not parent.func:
            name = (dotted_name(parent.func) or "").rsplit(".", 1)[-1]
            if name in SUBQUERY_WRAPPERS:
                return True
            if isinstance(parent.func, nodes.Attribute) and parent.func.attrname not in ("union", "union_all"):
                if parent.func.attrname in NARROWING_METHODS:
                    return True
                outer = resolver.resolve(parent.func.expr)
                if outer is not None and outer.parameter is None:
                    return True
        if isinstance(parent, nodes.Dict) and _filters_by(parent, child):
            return True  # `params = {"id__in": GroupRedirect.objects.filter(...)}`, then `filter(**params)`
        child, parent = parent, parent.parent
    return False


def _filters_by(lookups: nodes.Dict, value: nodes.NodeNG) -> bool:
    """Whether `value` sits under a `__in` lookup of a dict of keyword arguments."""
    return any(item is value and isinstance(key, nodes.Const) and isinstance(key.value, str)
               and key.value.endswith("__in") for key, item in lookups.items)


def _correlated(call: nodes.Call) -> bool:
    """Whether this call's own arguments use OuterRef (not those of a query nested inside them)."""
    for argument in [*call.args, *(k.value for k in call.keywords or ())]:
        for inner in argument.nodes_of_class(nodes.Call):
            if not (dotted_name(inner.func) or "").endswith("OuterRef"):
                continue
            owner = inner.parent
            while owner is not call:
                if isinstance(owner, nodes.Call) and ((dotted_name(owner.func) or "").rsplit(".", 1)[-1]
                                                      in SUBQUERY_WRAPPERS or isinstance(owner.func, nodes.Attribute)):
                    break  # belongs to a query nested in this one
                owner = owner.parent
            else:
                return True
    return False


CHECK_WORDS = ("perm", "check", "access", "authori", "allowed", "can_", "ensure", "verify", "require")
# Words of what tells one caller, or tenant, from another: `get_current_user()`, `session`.
CALLER_WORDS = frozenset({"request", "user", "current", "actor", "member", "session", "auth", "token", "principal",
                          "identity", "viewer", "tenant", "org", "organization", "organisation", "owner"})


def _checks_row(call: nodes.Call, names: set[str], tenant_names: set[str],
                owners: frozenset[str] = frozenset()) -> bool:
    """`ticket_perm_check(request, ticket)`, `check_permissions(user, op, workspace=row.workspace,
    context=row)`: a checker handed the row or its tenant; `row.has_permission(request.user)`,
    `row.project.can_access(user)`: the row, or what it belongs to, asked about the caller (or,
    whatever the method is called, about the tenant: `card.accepted_by(event.organizer)`); and
    DRF's `self.check_object_permissions(request, row.project)`, which runs the view's object
    permissions on what the row belongs to."""
    func = call.func
    callee = (func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", "")).lower()
    arguments = (*call.args, *(k.value for k in call.keywords or ()))
    if isinstance(func, nodes.Attribute) and (dotted_name(func.expr) or "").split(".")[0] in names \
            and any((dotted_name(value) or "").rsplit(".", 1)[-1] in tenant_names for value in arguments):
        return _decides(call)  # `if not card.accepted_by(self.event.organizer): raise`: asked about the tenant
    if not any(word in callee for word in CHECK_WORDS):
        return False
    for value in arguments:
        parts = (dotted_name(value) or "").split(".")
        if parts[0] in names and (len(parts) == 1 or parts[1] in tenant_names or callee == "check_object_permissions"):
            return not _blind_check(call, arguments, tenant_names) and (not callee.startswith(QUESTIONS)
                                                                        or _acted_on(call))
        if parts[0] in owners and callee == "check_object_permissions":
            return True  # project = view.project; self.check_object_permissions(request, project)
    if isinstance(func, nodes.Attribute) and (dotted_name(func.expr) or "").split(".")[0] in names:
        return any(is_the_caller(value) for value in arguments) and _decides(call)
    return False


def _blind_check(call: nodes.Call, arguments: tuple[nodes.NodeNG, ...], tenant_names: set[str]) -> bool:
    """`check_parent_link(parent, child=board)`: a project function named like a check that can
    not tell one tenant from another. It is handed neither the caller nor a tenant, and its body
    reads neither (nor hands the row on to another check): it validates the row's shape."""
    who = {"request", *USER_OBJECTS, *tenant_names}
    if any((dotted_name(value) or "").split(".")[0] in who or is_the_caller(value) for value in arguments):
        return False
    if isinstance(call.func, nodes.Attribute) and is_the_caller(call.func.expr):
        return False  # request.user.has_environment_permission(permission, environment)
    callee = _callee(call)
    if callee is None or "site-packages" in (callee.root().file or ""):
        return False
    read = {n.name for n in nodes_within(callee, nodes.Name)} | \
        {a.attrname for a in nodes_within(callee, nodes.Attribute)}
    if read & who or any(CALLER_WORDS & set(words(name)) for name in read):
        return False
    called = {(dotted_name(c.func) or "").rsplit(".", 1)[-1].lower() for c in nodes_within(callee, nodes.Call)}
    return not any(word in name for name in called for word in CHECK_WORDS)


# A checker named as a question answers it, and checks nothing unless the answer is acted on.
QUESTIONS = ("can_", "has_", "is_", "may_")


def _acted_on(call: nodes.Call) -> bool:
    """`if not can_access(query, user): abort(403)`, or the answer kept (`allowed = ...`) and
    tested later, or returned to a caller that decides: not `result["can_edit"] =
    can_modify(query, user)`, which only tells the page whether to show a button."""
    answer: nodes.NodeNG = call
    while isinstance(answer.parent, (nodes.BoolOp, nodes.UnaryOp)):
        answer = answer.parent  # `return user.has_project_permission(...) or view.detail`
    if _decides(call) or isinstance(answer.parent, nodes.Return):
        return True
    statement = answer.parent
    name, _ = single_assignment(statement)
    if name is None:
        return False
    return any(use.name == name and _decides(use) for use in nodes_within(statement.scope(), nodes.Name)
               if (use.lineno or 0) > (statement.lineno or 0))


def _decides(call: nodes.NodeNG) -> bool:
    """Whether the answer of a check is acted on: it is the test of an `if` or an `assert`."""
    child, parent = call, call.parent
    while parent is not None and not isinstance(parent, (nodes.If, nodes.Assert, nodes.FunctionDef)):
        child, parent = parent, parent.parent
    return isinstance(parent, (nodes.If, nodes.Assert)) and child is parent.test


def _hands_to_checker(call: nodes.Call, names: set[str], tenant_names: set[str], hops: int) -> bool:
    """The row handed to a project method that checks it before anything else:
    `CoreHandler().update_workspace_user(request.user, workspace_user, **data)`, whose first lines
    call `check_permissions(..., workspace=workspace_user.workspace)`."""
    if hops <= 0 or ((last_name(call.func) or "").lower().startswith(QUESTIONS) and not _acted_on(call)):
        return False  # `result["can_edit"] = can_modify(query, user)`: whatever it checks, nothing acts on it
    passed = [(i, arg.name) for i, arg in enumerate(call.args) if isinstance(arg, nodes.Name) and arg.name in names]
    passed += [(k.arg, k.value.name) for k in call.keywords or ()
               if isinstance(k.value, nodes.Name) and k.value.name in names and k.arg]
    if not passed:
        return False
    callee = _callee(call)
    if callee is None or "site-packages" in (callee.root().file or ""):
        return False
    parameters = [a.name for a in callee.args.args or []]
    offset = 1 if parameters and parameters[0] in ("self", "cls") else 0
    received = set()
    for where, _ in passed:
        if isinstance(where, int) and where + offset < len(parameters):
            received.add(parameters[where + offset])
        elif isinstance(where, str):
            received.add(where)
    if not received:
        return False
    for inner in nodes_within(callee, nodes.Call):
        if _checks_row(inner, received, tenant_names) or _hands_to_checker(inner, received, tenant_names, hops - 1):
            return True
    return False


def _callee(call: nodes.Call) -> nodes.FunctionDef | None:
    """The function a call runs, including through a registry keyed by the class it hands back:
    `action_type_registry.get(UpdateInvitationActionType.type).do(user, invitation)` and
    `action_type_registry.get_by_type(DeleteApplicationActionType).do(user, application)` run
    that class's `do`."""
    callee = safe_infer(call.func)
    while isinstance(callee, astroid.UnboundMethod):  # a bound method proxies an unbound one
        callee = callee._proxied
    if isinstance(callee, nodes.FunctionDef):
        return callee
    func = call.func
    if not (isinstance(func, nodes.Attribute) and isinstance(func.expr, nodes.Call) and func.expr.args
            and isinstance(func.expr.args[0], (nodes.Attribute, nodes.Name))):
        return None
    key = func.expr.args[0]
    registered = safe_infer(key.expr if isinstance(key, nodes.Attribute) else key)
    if not isinstance(registered, nodes.ClassDef):
        return None
    try:
        found = registered.getattr(func.attrname)
    except astroid.AttributeInferenceError:
        return None
    return next((f for f in found if isinstance(f, nodes.FunctionDef)), None)


RESULT_METHODS = frozenset({"execute", "scalars", "scalar", "scalar_one", "scalar_one_or_none", "one", "first",
                            "one_or_none", "get", "exec"})


def _executed(node: nodes.NodeNG) -> nodes.NodeNG:
    """`await session.execute(select(...))`: the expression whose value holds the query's result."""
    current = node
    while isinstance(current.parent, (nodes.Await, nodes.Call)):
        parent = current.parent
        if isinstance(parent, nodes.Call) and not (
                current in parent.args and isinstance(parent.func, nodes.Attribute)
                and parent.func.attrname in RESULT_METHODS):
            break
        current = parent
    return current


def _rows_of(names: set[str], scope: nodes.NodeNG, after: int) -> set[str]:
    """`webhook = result.scalar_one()`: the row taken out of a result kept in `names`; `for team
    in teams:` each row of it in turn (a check in the loop's body is a check of every row)."""
    rows = {loop.target.name for loop in nodes_within(scope, nodes.For)
            if (loop.lineno or 0) > after and isinstance(loop.iter, nodes.Name) and loop.iter.name in names
            and isinstance(loop.target, nodes.AssignName)}
    for assign in nodes_within(scope, nodes.Assign):
        value = assign.value.value if isinstance(assign.value, nodes.Await) else assign.value
        if (assign.lineno or 0) <= after or not isinstance(value, nodes.Call):
            continue
        root = value.func
        while isinstance(root, (nodes.Attribute, nodes.Call)):
            root = root.expr if isinstance(root, nodes.Attribute) else root.func
        if isinstance(root, nodes.Name) and root.name in names:
            rows.update(t.name for t in assign.targets if isinstance(t, nodes.AssignName))
    return rows


def _owners_of(names: set[str], scope: nodes.NodeNG, after: int) -> frozenset[str]:
    """`project = view.project`, or `project = Project.objects.get(id=monitor.project_id)`: what
    the fetched row belongs to, taken out of it or looked up by its key (or the row itself, or
    what it belongs to, picked by a conditional expression)."""
    owners = set()
    for assign in nodes_within(scope, nodes.Assign):
        if (assign.lineno or 0) <= after:
            continue
        parts = (dotted_name(assign.value) or "").split(".")
        keys = [(dotted_name(k.value) or "").split(".") for k in chain_keywords(assign.value)] \
            if isinstance(assign.value, nodes.Call) else []
        chosen = [assign.value.body, assign.value.orelse] if isinstance(assign.value, nodes.IfExp) else []
        if (len(parts) >= 2 and parts[0] in names) or any(
                len(key) == 2 and key[0] in names and key[1].endswith("_id") for key in keys) or any(
                (dotted_name(branch) or "").split(".")[0] in names for branch in chosen):
            owners.update(t.name for t in assign.targets if isinstance(t, nodes.AssignName))
    return frozenset(owners)


def checked_after_fetch(node: nodes.Call, resolver: ChainResolver) -> bool:
    """A fetched row checked before use: `if invoice.organization_id != request.user.organization_id:
    raise ...`, a permission helper handed the row (`ticket_perm_check(request, ticket)`), or a
    comparison with a secret of the row (`if user.api_key and signature == sign(user.api_key, ...)`)."""
    parent = _executed(node).parent
    if not isinstance(parent, (nodes.Assign, nodes.AnnAssign)):
        return False
    targets = parent.targets if isinstance(parent, nodes.Assign) else [parent.target]
    names = {t.name for t in targets if isinstance(t, nodes.AssignName)}
    if not names:
        return False
    tenant_names = resolver.index.tenant_names | {n.removesuffix("_id") for n in resolver.index.tenant_names}
    scope = parent.scope()
    after = parent.lineno or 0
    names |= _rows_of(names, scope, after)
    owners = _owners_of(names, scope, after)

    def is_tenant_of_row(side: nodes.NodeNG) -> bool:
        parts = (dotted_name(side) or "").split(".")
        return len(parts) >= 2 and parts[0] in names and parts[1] in tenant_names and (
            len(parts) == 2 or (len(parts) == 3 and parts[2] in ("id", "pk")))

    def is_owner_check(compare: nodes.Compare) -> bool:
        """`if state.user_id != role.user_id: raise`: the row is the caller's own. Only a guard
        counts, not a term of a wider condition (`guest and not issue.created_by == request.user`),
        save the row's own presence (`if draft and draft.user_id != user.id: raise`)."""
        guard = compare.parent
        if isinstance(guard, nodes.BoolOp) and (guard.op == "or" or all(
                value is compare or _tests_presence(value, names) for value in guard.values)):
            guard = guard.parent
        if not (isinstance(guard, nodes.If) and any(isinstance(s, (nodes.Raise, nodes.Return)) for s in guard.body)):
            return False
        sides = [compare.left, *(value for _, value in compare.ops)]
        owned = [side for side in sides if len(p := (dotted_name(side) or "").split(".")) == 2
                 and p[0] in names and p[1] in OWNER_FIELDS]
        return bool(owned) and any(side not in owned and is_the_caller(side) for side in sides)

    for compare in nodes_within(scope, nodes.Compare):
        if (compare.lineno or 0) > after and (any(
                is_tenant_of_row(side) for side in (compare.left, *(value for _, value in compare.ops)))
                or is_owner_check(compare)):
            return True
    callers = _rows_of_the_caller(scope)
    for branch in nodes_within(scope, nodes.If):
        read = {n.name for n in branch.test.nodes_of_class(nodes.Name)}
        if (branch.lineno or 0) > after and read & (names | owners) and read & callers \
                and any(isinstance(s, (nodes.Raise, nodes.Return)) for s in branch.body):
            return True  # if not (user_ali == row_ali or row_ali.is_descendant_of(user_ali)): return 404
    for condition in (n.test for n in nodes_within(scope, (nodes.If, nodes.Assert))):
        if (condition.lineno or 0) > after and any(
                (dotted_name(a.expr) or "").split(".")[0] in names and is_capability_field(a.attrname, strict=True)
                for a in condition.nodes_of_class(nodes.Attribute)):
            return True
    for call in nodes_within(scope, nodes.Call):
        if (call.lineno or 0) <= after:
            continue
        if _checks_row(call, names, tenant_names, owners) or _hands_to_checker(call, names, tenant_names, hops=2):
            return True
        values = [k.value for k in call.keywords or ()]
        if any(is_tenant_of_row(v) for v in values) and any(
                "user" in (dotted_name(v) or "").split(".") for v in values):
            return True  # get_object_or_404(Member, project=check.project, user=request.user)
        held = names | owners
        names_the_row = any(isinstance(v, nodes.Name) and v.name in held for v in values)
        if last_name(call.func) in MEMBERSHIP_LOOKUPS and names_the_row and any(is_the_caller(v) for v in values):
            return True  # ProjectMember.objects.get(project=project, user=self.request.user): the caller's membership
    return False


def _tests_presence(test: nodes.NodeNG, names: set[str]) -> bool:
    """`draft` or `draft is not None`, for a row held in one of `names`."""
    if isinstance(test, nodes.Compare) and len(test.ops) == 1 and test.ops[0][0] == "is not" \
            and isinstance(test.ops[0][1], nodes.Const) and test.ops[0][1].value is None:
        test = test.left
    return isinstance(test, nodes.Name) and test.name in names


def key_of_a_checked_row(value: nodes.NodeNG, resolver: ChainResolver) -> bool:
    """`dataset_id` after `dataset = DatasetService.get_dataset(dataset_id)` and
    `DatasetService.check_dataset_permission(dataset, current_user)`: the key of a row the
    function loaded by it and then checked, itself or inside the helper that loaded it (dify's
    `document = self.get_document(dataset_id, document_id)` raises on another tenant's
    document). Rows narrowed to that parent by their foreign key are the caller's tenant's."""
    value = unconverted(value)
    if not isinstance(value, nodes.Name):
        return False
    scope = value.scope()
    for assign in nodes_within(scope, nodes.Assign):
        fetch = assign.value.value if isinstance(assign.value, nodes.Await) else assign.value
        if (assign.lineno or 0) >= (value.lineno or 0) or not isinstance(fetch, nodes.Call):
            continue
        if any(name.name == value.name for name in fetch.nodes_of_class(nodes.Name)) and (
                checked_after_fetch(fetch, resolver) or _returns_a_checked_row(fetch, resolver)):
            return True
    return False


def _returns_a_checked_row(call: nodes.Call, resolver: ChainResolver) -> bool:
    """A project helper that returns a row it fetched and checked: `document = ...get_document(
    dataset_id, document_id)`, then `if document.tenant_id != current_tenant_id: raise`."""
    callee = _callee(call)
    if callee is None or "site-packages" in (callee.root().file or ""):
        return False
    returned = {r.value.name for r in nodes_within(callee, nodes.Return) if isinstance(r.value, nodes.Name)}
    for assign in nodes_within(callee, nodes.Assign):
        fetch = assign.value.value if isinstance(assign.value, nodes.Await) else assign.value
        if isinstance(fetch, nodes.Call) and any(isinstance(t, nodes.AssignName) and t.name in returned
                                                 for t in assign.targets) and checked_after_fetch(fetch, resolver):
            return True
    return False


# Lookups that find whether a row exists, raising or answering when it does not.
MEMBERSHIP_LOOKUPS = frozenset({"get", "aget", "get_object_or_404", "filter", "exists", "first"})


def _rows_of_the_caller(scope: nodes.NodeNG) -> set[str]:
    """`user_ali = AccessLevelInstance.objects.get(pk=request.access_level_instance_id)`: rows
    the function looks up by the caller, or by what the server's middleware set on the request
    (not the data the client sent with it)."""
    rows = set()
    for assign in nodes_within(scope, nodes.Assign):
        call = assign.value.value if isinstance(assign.value, nodes.Await) else assign.value
        if not isinstance(call, nodes.Call) or not isinstance(call.func, nodes.Attribute):
            continue
        values = [k.value for k in chain_keywords(call)]
        if any(is_the_caller(v) or _set_by_the_server(v) for v in values):
            rows.update(t.name for t in assign.targets if isinstance(t, nodes.AssignName))
    return rows


def _set_by_the_server(value: nodes.NodeNG) -> bool:
    """`request.access_level_instance_id`: an attribute a middleware or decorator put on the
    request, unlike `request.GET[...]` or `request.data[...]`."""
    parts = (dotted_name(value) or "").split(".")
    if parts[:2] == ["self", "request"]:
        parts = parts[1:]
    return len(parts) == 2 and parts[0] == "request" and parts[1] not in REQUEST_DATA


# Column words of a sweep: `expires_at < now()`, `created__lt=cutoff`, `last_seen_at < threshold`.
TIME_WORDS = frozenset({"expires", "expire", "expiry", "expired", "expiration", "created", "updated", "modified",
                        "date", "time", "timestamp", "until", "seen", "ttl", "at"})
SWEEP_STEPS = frozenset({"where", "filter", "filter_by", "exclude"})


def is_housekeeping(node: nodes.Call) -> bool:
    """A bulk delete or update chosen by age alone: `delete(OAuthState).where(OAuthState.expires_at <
    now())`, `Session.objects.filter(expire_date__lt=now).delete()`. It touches every tenant's stale
    rows on purpose and returns none of them, so no caller can aim it at another tenant."""
    outer = outermost_call(node)
    calls, current = [], outer
    while isinstance(current, nodes.Call):
        calls.append(current)
        current = current.func.expr if isinstance(current.func, nodes.Attribute) else None
    names = [c.func.attrname if isinstance(c.func, nodes.Attribute) else getattr(c.func, "name", "") for c in calls]
    if not ({"delete", "update"} & set(names)):
        return False
    criteria: list[str] = []
    for call, name in zip(calls, names, strict=True):
        if name not in SWEEP_STEPS:
            continue
        criteria += [keyword.arg.split("__")[0] for keyword in call.keywords or () if keyword.arg]
        for argument in call.args:
            if not isinstance(argument, nodes.Compare) or not isinstance(argument.left, nodes.Attribute):
                return False  # a criterion that is not a comparison of a column: not a plain sweep
            criteria.append(argument.left.attrname)
    return bool(criteria) and all(TIME_WORDS & set(words(column)) for column in criteria)


KEY_ATTRIBUTES = frozenset({"id", "pk"})
COUNTING_METHODS = frozenset({"exists", "count", "aexists", "acount"})
NARROWING_STEPS = frozenset({"filter", "exclude", "where", "filter_by"})


def only_its_key_is_read(node: nodes.Call, tenant_keys: frozenset[str] = frozenset(), counts: bool = True) -> bool:
    """`last = Task.objects.latest("id"); next_id = last.id + 1`: of the row fetched, only its key
    is read, which carries none of the tenant's data (a pre-allocated id for a bulk insert).
    Asking whether it exists (`if issue:`) and matching other rows against it
    (`issues.exclude(Q(parent=issue))`) read no more than its key either. Nor does counting the
    rows, or gathering the tenant each belongs to (`{oi.organization_id for oi in installs}`):
    that works out which tenants hold a row, as routing and sign-in do, and the caller's own
    tenants are then picked from that set. Code that holds one tenant and counts every tenant's
    rows answers with the wrong count: `counts=False` takes a count for a read, unless it only
    guards (`if len(rows) == 0: return`)."""
    executed = _executed(outermost_call(node))
    if isinstance(executed.parent, nodes.Attribute):
        return executed.parent.attrname in KEY_ATTRIBUTES
    statement = executed.parent
    if not (isinstance(statement, nodes.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], nodes.AssignName)):
        return False
    target = statement.targets[0]
    uses = [use for use in nodes_within(statement.scope(), nodes.Name) if use.name == target.name
            and (use.lineno or 0) > (statement.lineno or 0)]
    return bool(uses) and all(_reads_its_key(use) or _reads_keys_of_each(use, KEY_ATTRIBUTES | tenant_keys, counts)
                              or _narrowed_in_place(use, target.name) for use in uses)


def only_gates_the_view(node: nodes.Call, view_decorators: frozenset[str]) -> bool:
    """`dataset = ...first()`, then `if not dataset.enable_api: raise Forbidden()`, in the wrapper
    of a view decorator (see `wraps_a_view`): the row decides whether the view runs, and is
    handed neither to the view nor to anything else, so none of it reaches the caller. The
    view, given the URL's id, looks its row up itself, and is judged there."""
    wrapper = node.frame()
    if not isinstance(wrapper, nodes.FunctionDef) or is_request_handler(wrapper) \
            or not wraps_a_view(wrapper, view_decorators):
        return False
    statement = _executed(outermost_call(node)).parent
    name, _ = single_assignment(statement)
    if name is None:
        return False
    return not any(_handed_on(use) for use in nodes_within(wrapper, nodes.Name)
                   if use.name == name and (use.lineno or 0) > (statement.lineno or 0))


def _handed_on(use: nodes.Name) -> bool:
    """Whether the row, or a value read from it, is passed to a call, stored, returned or
    yielded: `kwargs["app_model"] = app_model`, `view(app.tenant_id, ...)`."""
    value: nodes.NodeNG = use
    while (isinstance(value.parent, nodes.Attribute) and value.parent.expr is value) \
            or (isinstance(value.parent, nodes.Subscript) and value.parent.value is value):
        value = value.parent
    parent = value.parent
    if isinstance(parent, nodes.Call):
        return parent.func is not value
    return isinstance(parent, (nodes.Keyword, nodes.Starred, nodes.Return, nodes.Yield, nodes.Assign,
                               nodes.AnnAssign, nodes.AugAssign, nodes.Tuple, nodes.List, nodes.Set, nodes.Dict))


def _reads_keys_of_each(use: nodes.Name, keys: frozenset[str], counts: bool) -> bool:
    """`if len(rows) == 0:` and `if not rows.exists():` (or, where counting reads nothing, any
    count), `rows[0].organization_id`, or `{row.organization_id for row in rows}` reading nothing
    else of a row."""
    parent = use.parent
    if isinstance(parent, nodes.Call) and getattr(parent.func, "name", None) == "len" and parent.args == [use]:
        return counts or _tested(parent)
    if isinstance(parent, nodes.Attribute) and parent.attrname in COUNTING_METHODS \
            and isinstance(parent.parent, nodes.Call) and parent.parent.func is parent:
        return counts or _tested(parent.parent)
    if isinstance(parent, nodes.Subscript) and parent.value is use and isinstance(parent.slice, nodes.Const):
        return isinstance(parent.parent, nodes.Attribute) and parent.parent.attrname in keys
    if not (isinstance(parent, nodes.Comprehension) and parent.iter is use
            and isinstance(parent.target, nodes.AssignName)):
        return False
    row = parent.target.name
    built = parent.parent
    read = [getattr(built, part) for part in ("elt", "key", "value") if getattr(built, part, None) is not None]
    read += [test for generator in built.generators for test in generator.ifs]
    names = [name for expression in read for name in expression.nodes_of_class(nodes.Name) if name.name == row]
    return bool(names) and all(isinstance(name.parent, nodes.Attribute) and name.parent.attrname in keys
                               for name in names)


def _narrowed_in_place(use: nodes.Name, name: str) -> bool:
    """`query = query.exclude(id=self.instance.id)`: the rows narrowed and kept under the same
    name, whose later reads are judged as reads of it."""
    step = use.parent
    if not (isinstance(step, nodes.Attribute) and step.attrname in NARROWING_STEPS
            and isinstance(step.parent, nodes.Call) and step.parent.func is step):
        return False
    statement = step.parent.parent
    return isinstance(statement, nodes.Assign) and [getattr(t, "name", None) for t in statement.targets] == [name]


def _tested(value: nodes.NodeNG) -> bool:
    """Whether `value` is only weighed by the test of an `if`, `while` or `assert` (a guard),
    rather than handed on as an answer."""
    child, parent = value, value.parent
    while isinstance(parent, (nodes.Compare, nodes.BoolOp, nodes.UnaryOp)):
        child, parent = parent, parent.parent
    return isinstance(parent, (nodes.If, nodes.While, nodes.Assert)) and child is parent.test


def _excluded_by(value: nodes.NodeNG) -> bool:
    """A value that only takes rows away: inside `~Q(...)` or `.exclude(...)`."""
    node = value.parent
    while node is not None and not node.is_statement:
        if isinstance(node, nodes.UnaryOp) and node.op == "~":
            return True
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "exclude":
            return True
        node = node.parent
    return False


# Calls that match rows against a row handed to them by keyword, reading only its key.
MATCHING_CALLS = frozenset({"Q", "filter", "exclude", "get", "filter_by", "exists", "count"})


def _reads_its_key(use: nodes.Name) -> bool:
    parent = use.parent
    if isinstance(parent, nodes.Attribute):
        if parent.attrname in KEY_ATTRIBUTES:
            return True
        return parent.attrname.endswith("_id") and _excluded_by(parent)  # ~Q(pk=issue.parent_id): left out
    tested: nodes.NodeNG = use
    if isinstance(parent, nodes.UnaryOp) and parent.op == "not":
        tested, parent = parent, parent.parent
    if isinstance(parent, nodes.BoolOp):  # `if task and task_id != current:`
        tested, parent = parent, parent.parent
    if isinstance(parent, (nodes.If, nodes.IfExp, nodes.While)) and parent.test is tested:
        return True
    if isinstance(parent, nodes.Keyword) and isinstance(parent.parent, nodes.Call):
        return (dotted_name(parent.parent.func) or "").rsplit(".", 1)[-1] in MATCHING_CALLS
    return False


def for_operators_only(node: nodes.NodeNG) -> bool:
    """`if request.user.is_superuser: return Event.objects.all()`, `if
    self.has_staff_session(...)`: the branch runs for the instance's operators only."""
    child, parent = node, node.parent
    while parent is not None and not isinstance(parent, (nodes.FunctionDef, nodes.Module)):
        if isinstance(parent, nodes.If) and child in parent.body and _asks_for_an_operator(parent.test):
            return True
        child, parent = parent, parent.parent
    return False


def narrowed_unless_operator(node: nodes.Call, resolver: ChainResolver) -> bool:
    """`queryset = SentryApp.objects.filter(status=INTERNAL)`, then `if not
    is_active_superuser(request): queryset = queryset.filter(owner_id__in=...)`: every caller
    but the instance's operators gets the narrowed rows."""
    statement = node.parent
    if not (isinstance(statement, nodes.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], nodes.AssignName)):
        return False
    name = statement.targets[0].name
    for branch in _later_siblings(statement):
        if not isinstance(branch, nodes.If):
            continue
        test = branch.test
        if isinstance(test, nodes.UnaryOp) and test.op == "not" and _asks_for_an_operator(test.operand):
            others = branch.body
        elif _asks_for_an_operator(test):
            others = branch.orelse
        else:
            continue
        for narrowing in others:
            if isinstance(narrowing, nodes.Assign) and any(
                    isinstance(t, nodes.AssignName) and t.name == name for t in narrowing.targets) \
                    and any(n.name == name for n in narrowing.value.nodes_of_class(nodes.Name)) \
                    and (chain := resolver.resolve(narrowing.value)) is not None and chain.scoped:
                return True
    return False


def _later_siblings(statement: nodes.NodeNG) -> list[nodes.NodeNG]:
    siblings = []
    following = statement.next_sibling()
    while following is not None:
        siblings.append(following)
        following = following.next_sibling()
    return siblings


def _asks_for_an_operator(test: nodes.NodeNG) -> bool:
    said = {n.name for n in test.nodes_of_class(nodes.Name)} | \
        {a.attrname for a in test.nodes_of_class(nodes.Attribute)}
    return any(word in name.lower() for name in said for word in ADMIN_WORDS)


def resolves_the_tenant(node: nodes.NodeNG, tenant: set[str]) -> bool:
    """A function that sets the request's tenant (`request.organizer = ...`, Starlette's
    `request.state.org_id = ...`): a middleware or an authentication backend working out, from
    the host name or a token, whose request this is. Its lookups come before any tenant exists
    to filter by."""
    for function in enclosing_functions(node):
        for target in nodes_within(function, nodes.AssignAttr):
            if dotted_name(target.expr) in ("request", "request.state") \
                    and tenant & set(words(target.attrname)):
                return True
    return False


def deployed_for_one_tenant(node: nodes.NodeNG, tenant: set[str]) -> bool:
    """`if not settings.SENTRY_SINGLE_ORGANIZATION: raise ...` first thing in the function: code
    that runs only where the instance serves a single tenant, so there is no other tenant's row
    to reach."""
    return any("single" in said and (tenant | {"tenant"}) & set(said) for said in guarding_settings(node))


def documented_across_tenants(node: nodes.NodeNG, tenant: set[str]) -> bool:
    """A function whose docstring says it works across tenants ("Get a verified domain by slug,
    across organizations", "cross-tenant search for support staff"): the author decided it, and
    wrote it where a reviewer reads it."""
    names = "|".join(re.escape(word) for word in sorted(tenant | {"tenant"}))
    said = re.compile(rf"\bacross (?:all |every |the )?(?:{names})(?:s|es)?\b|\bcross-(?:{names})\b", re.I)
    for function in enclosing_functions(node):
        doc = function.doc_node.value if function.doc_node is not None else ""
        if isinstance(doc, str) and said.search(doc):
            return True
    return False


KEY_LOOKUPS = frozenset({"pk", "id", "pk__in", "id__in", "pk__exact", "id__exact"})


def counted_beforehand(node: nodes.Call, resolver: ChainResolver) -> bool:
    """`stages = Stage.objects.filter(pipeline=pipeline, id__in=stage_ids)` and
    `if stages.count() != len(stage_ids): return 400` before `for order, stage_id in
    enumerate(stage_ids): Stage.objects.filter(id=stage_id).update(order=order)`: each key the
    client sent was first counted among the tenant's own rows, and a stranger's refused."""
    function = node.scope()
    if not isinstance(function, nodes.FunctionDef):
        return False
    lists = {name for keyword in chain_keywords(node) if keyword.arg in KEY_LOOKUPS
             for name in [_listed_in(keyword.value)] if name}
    if not lists:
        return False
    for compare in nodes_within(function, nodes.Compare):
        if (compare.lineno or 0) >= (node.lineno or 0):
            continue
        operands = [compare.left, *(operand for _, operand in compare.ops)]
        measured = any(isinstance(o, nodes.Call) and getattr(o.func, "name", None) == "len" and o.args
                       and isinstance(o.args[0], nodes.Name) and o.args[0].name in lists for o in operands)
        if measured and any(_counts_within_tenant(o, lists, resolver) for o in operands):
            return True
    return False


def _listed_in(value: nodes.NodeNG) -> str | None:
    """`stage_ids` for `stage_ids` itself, or for a loop variable over it (`enumerate` too)."""
    if not isinstance(value, nodes.Name):
        return None
    try:
        _, assignments = value.lookup(value.name)
    except Exception:  # astroid lookups can fail on broken code
        return None
    for assignment in assignments:
        loop = assignment.parent
        while isinstance(loop, nodes.Tuple):
            loop = loop.parent
        if isinstance(loop, (nodes.For, nodes.Comprehension)):
            iterated = loop.iter
            if isinstance(iterated, nodes.Call) and getattr(iterated.func, "name", None) == "enumerate" \
                    and iterated.args:
                iterated = iterated.args[0]
            return iterated.name if isinstance(iterated, nodes.Name) else None
    return value.name


def _counts_within_tenant(operand: nodes.NodeNG, lists: set[str], resolver: ChainResolver) -> bool:
    """`stages.count()` of a query narrowed to the tenant that keeps only the listed keys."""
    if not (isinstance(operand, nodes.Call) and isinstance(operand.func, nodes.Attribute)
            and operand.func.attrname == "count"):
        return False
    chain = resolver.resolve(operand.func.expr)
    if chain is None or not chain.scoped:
        return False
    base = operand.func.expr
    queries = assigned_values(base) if isinstance(base, nodes.Name) else [base]
    return isinstance(queries, list) and any(isinstance(query, nodes.Call) and any(
        keyword.arg in ("pk__in", "id__in") and isinstance(keyword.value, nodes.Name) and keyword.value.name in lists
        for keyword in chain_keywords(query)) for query in queries)
