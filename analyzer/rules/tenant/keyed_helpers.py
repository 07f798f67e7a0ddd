"""A request's id handed to a helper that fetches a row by that id, unscoped.

`incident = incident_service.get(db_session=db, incident_id=incident_id)` in a route is the
insecure direct object reference, though the lookup itself sits in the service: there the id
is a parameter, chosen by whoever calls. So the lookup is judged at the call, where the id's
origin shows: a value from the URL or the request body makes it a finding, a key read from a
loaded object does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from astroid import nodes

from ...index import ModelInfo
from ...index.handlers import in_request
from ...lang.python import (
    dotted_name,
    function_of,
    infer_all,
    infer_through_annotations,
    last_name,
    nodes_within,
)
from ...lang.reach import remembered
from ...model import Severity
from ..base import RuleContext
from .chains import Chain, ChainResolver, argument_for, key_name, outermost_call
from .context import parent_words, place_severity
from .narrowing import (
    checked_after_fetch,
    key_of_a_checked_row,
    nested_in_query,
    only_gates_the_view,
    only_its_key_is_read,
)
from .serializer_checks import data_key, validated_within_tenant
from .values import (
    Origin,
    names_checked_object,
    origin,
    sent_but_checked,
    signature_verified,
    signed_by_the_server,
)

T = TypeVar("T")
# What a call within a helper looks up by the helper's parameters (named in the set): None when
# the call is no query, else (parameter, what) for each lookup by a parameter alone.
Lookups = Callable[[nodes.Call, set[str]], list[tuple[str, T]] | None]


@dataclass(frozen=True)
class KeyedHelper:
    name: str
    model: ModelInfo

    def message(self, without: str) -> str:
        """What the finding says; `without` names the missing filter ("filtering on `org`")."""
        if self.model.is_tenant_scoped:
            return (f"`{self.name}()` fetches `{self.model.name}` by a primary key that comes from the request here, "
                    f"without {without}: any user who changes the id reads another tenant's row")
        return (f"`{self.name}()` picks `{self.model.name}` by a primary key that comes from the request here, "
                f"without {without}, the {parent_words(self.model)} it belongs to: any user who changes the id "
                "reaches another tenant's row")

    def severity(self, node: nodes.Call, ctx: RuleContext, default: Severity) -> Severity | None:
        """As for a lookup by key written in place: nothing in commands, jobs and internal APIs."""
        return place_severity(node, ctx, default, keyed=True)


def keyed_helper_call(call: nodes.Call, resolver: ChainResolver,
                      births: Callable[[nodes.Call], Chain | None]) -> KeyedHelper | None:
    """The helper and model when `call`, in a request handler, passes a request value to a
    project function that fetches a tenant-owned row by that parameter without the tenant,
    itself or through the helpers it hands the parameter on to (`run_prompt(prompt_id)` calling
    `load_prompt(prompt_id)`); unless the value was checked within the tenant on its way in."""
    found = helper_lookup(call, resolver, lambda inner, parameters: _orm_lookups(inner, parameters, resolver, births),
                          _sent_for, lambda model: model.name, kind=type(resolver).__name__)
    return KeyedHelper(name=found[0], model=found[1]) if found is not None else None


def helper_lookup(call: nodes.Call, resolver: ChainResolver, lookups: Lookups[T],
                  sent_for: Callable[[T], tuple[Origin, ...]], model_name: Callable[[T], str | None], kind: str,
                  ) -> tuple[str, T] | None:
    """(the helper's name, what `lookups` found) when `call`, in a request handler, hands a value
    of an origin in `sent_for(found)` to a project function that looks a row up by that
    parameter, as `lookups` judges a call within it, or through the helpers it hands it on to.
    `kind` names the lookups: what they find in a helper is worked out once per kind."""
    functions = _helpers_of(call, resolver)
    if not functions or not (in_request(call, resolver.index.view_decorators) or _hands_on_its_own_data(call)) \
            or _in_decorator(call):
        return None
    if checked_after_fetch(call, resolver) or only_gates_the_view(call, resolver.index.view_decorators):
        return None  # dataset = get_dataset(dataset_id); check_dataset_permission(dataset, current_user)
    # `server.block_manager` may be either of two managers: report when whichever runs leaks.
    verdicts = [_handed_to(call, function, resolver, lookups, sent_for, model_name, kind) for function in functions]
    if any(v is None for v in verdicts):
        return None
    return dotted_name(call.func) or last_name(call.func), verdicts[0]


def _handed_to(call: nodes.Call, function: nodes.FunctionDef, resolver: ChainResolver, lookups: Lookups[T],
               sent_for: Callable[[T], tuple[Origin, ...]], model_name: Callable[[T], str | None], kind: str,
               ) -> T | None:
    for parameter, found, inner in _fetched_by(function, resolver, lookups, MAX_HOPS, kind):
        if _given_the_tenant_it_filters_by(call, function, inner, resolver.index.is_tenant_lookup):
            continue
        argument = argument_for(call, function, parameter)
        sent = origin(argument) if argument is not None else None
        if sent not in sent_for(found) or (sent is Origin.URL and _queued(call)):
            continue  # a task queued with the URL's own key: the view's permissions checked it
        name = model_name(found)
        if name and names_checked_object(name, argument, resolver.index.is_tenant_lookup):
            continue  # the route's own object, checked by its permissions
        if key_of_a_checked_row(argument, resolver) or signed_by_the_server(argument) \
                or validated_within_tenant(argument, resolver.index.is_tenant_lookup) \
                or sent_but_checked(argument, resolver.index.is_tenant_lookup, resolver.index.caller_data_keys):
            continue
        return found
    return None


def _queued(call: nodes.Call) -> bool:
    """`export_project.delay(...)`: a Celery task queued with these arguments."""
    return isinstance(call.func, nodes.Attribute) and call.func.attrname == "delay"


def _hands_on_its_own_data(call: nodes.Call) -> bool:
    """`project_name(self.data.get("project_id"))` in any method of a serializer used as a
    service: the key the view put in its data reaches the helper here, as it would in a handler."""
    return any(data_key(argument) is not None for argument in (*call.args, *(k.value for k in call.keywords or ())))


def _in_decorator(node: nodes.NodeNG) -> bool:
    """Inside a decorator's arguments: `@log(get_operation_object=lambda r, k:
    get_documents(r.data.get("id_list")))` describes the request for an audit log (or decides
    whether to let it in); nothing it looks up is served to the caller."""
    current = node.parent
    while current is not None and not isinstance(current, (nodes.FunctionDef, nodes.ClassDef, nodes.Module)):
        if isinstance(current, nodes.Decorators):
            return True
        current = current.parent
    return False


def _given_the_tenant_it_filters_by(call: nodes.Call, function: nodes.FunctionDef, lookup: nodes.Call,
                                    is_tenant_lookup: Callable[[str], bool]) -> bool:
    """`get_workflow_run(workflow_run_id=..., organization_id=current_org.organization_id)`
    where the helper adds `filter_by(organization_id=organization_id)` whenever it is given
    one: the caller handed it the tenant, and it narrows by it. Not when it narrows only in
    another branch than the `lookup`'s (`if model == App: ...filter_by(id=id) else:
    ...filter_by(id=id, tenant_id=tenant_id)`)."""
    arguments = function.args
    for parameter in (*(arguments.args or []), *(arguments.kwonlyargs or [])):
        if not (is_tenant_lookup(parameter.name) or is_tenant_lookup(f"{parameter.name}_id")):
            continue  # organization_id, or the organization itself
        value = argument_for(call, function, parameter.name)
        if value is None or (isinstance(value, nodes.Const) and value.value is None):
            continue
        if any(_compared_or_keyword(use) and not _in_other_branches(use, lookup)
               for use in nodes_within(function, nodes.Name) if use.name == parameter.name):
            return True
    return False


def _in_other_branches(one: nodes.NodeNG, other: nodes.NodeNG) -> bool:
    """Whether one of an `if`'s branches holds `one` and the other holds `other`, the code
    after an `if` that returns counting as its `else`."""
    return _in_branches_of_an_if(one, other) or _after_a_returning_if(one, other)


def _after_a_returning_if(later: nodes.NodeNG, other: nodes.NodeNG) -> bool:
    """`if model == Report: return <other>` and `<later>` below it, in the same block."""
    node = other
    while node.parent is not None and not isinstance(node, nodes.FunctionDef):
        branch = node.parent
        if isinstance(branch, nodes.If) and node in branch.body \
                and isinstance(branch.body[-1], (nodes.Return, nodes.Raise)):
            block = branch.parent
            statement = later
            while statement is not None and statement.parent is not block:
                statement = statement.parent
            if statement is not None and (statement.lineno or 0) > (branch.tolineno or 0):
                return True
        node = branch
    return False


def _in_branches_of_an_if(one: nodes.NodeNG, other: nodes.NodeNG) -> bool:
    branches = {}
    node = one
    while node.parent is not None:
        if isinstance(node.parent, nodes.If) and node is not node.parent.test:
            branches[id(node.parent)] = node in node.parent.body
        node = node.parent
    node = other
    while node.parent is not None:
        if isinstance(node.parent, nodes.If) and id(node.parent) in branches \
                and node is not node.parent.test and branches[id(node.parent)] != (node in node.parent.body):
            return True
        node = node.parent
    return False


def _compared_or_keyword(use: nodes.Name) -> bool:
    """`organization_id=organization_id`, `Run.organization_id == organization.organization_id`."""
    value: nodes.NodeNG = use
    while isinstance(value.parent, nodes.Attribute):
        value = value.parent
    return isinstance(value.parent, (nodes.Keyword, nodes.Compare))


def _sent_for(model: ModelInfo) -> tuple[Origin, ...]:
    """A row bound through a parent, named in the URL, is left to the view's permissions,
    which nested routes check (as where the lookup is written in the handler)."""
    return (Origin.URL, Origin.REQUEST) if model.is_tenant_scoped else (Origin.REQUEST,)


def _orm_lookups(inner: nodes.Call, parameters: set[str], resolver: ChainResolver,
                 births: Callable[[nodes.Call], Chain | None]) -> list[tuple[str, ModelInfo]] | None:
    """The ORM query that `inner` ends, when it fetches a tenant-owned row by a parameter alone."""
    if outermost_call(inner) is not inner:
        return None
    chain = births(inner)
    if chain is None:
        return None
    if chain.model is not None and chain.keyed \
            and (chain.model.is_tenant_scoped or chain.model.is_tenant_bound) \
            and not (chain.scoped or chain.unknown) and (chain.key or "").split(".")[0] in parameters \
            and not (nested_in_query(inner, resolver) or checked_after_fetch(inner, resolver)
                     or only_its_key_is_read(inner)
                     or signature_verified(inner.frame(), chain.key.split(".")[0], inner.lineno or 0)):
        return [(chain.key.split(".")[0], chain.model)]  # `body` of `Page.id.in_(body.page_ids)`
    return []


MAX_HOPS = 3  # helpers followed from the handler's call: the route's service, and two it calls


def _helper_of(call: nodes.Call, resolver: ChainResolver) -> nodes.FunctionDef | None:
    """The one project function outside any handler that `call` runs (see `_helpers_of`)."""
    functions = _helpers_of(call, resolver)
    return functions[0] if len(functions) == 1 else None


def _helpers_of(call: nodes.Call, resolver: ChainResolver) -> list[nodes.FunctionDef]:
    """The project functions outside any handler that `call` may run, when it may look a row up
    by a parameter (see `index.handlers.keyed_helpers`): one, or each override a receiver's
    type may hold (`BlockManager.delete_block` and its subclass's), or the Celery task that
    `task.delay(...)` queues with the same arguments."""
    func = call.func
    if _queued(call):
        func = func.expr  # export_project.delay(project_id): Celery runs the task with these arguments
    if last_name(func) not in resolver.index.keyed_helpers or \
            all(isinstance(value, nodes.Const) for value in (*call.args, *(k.value for k in call.keywords or ()))):
        return []  # `issue.delete()`, `request.data.get("name")`: handed no value a request sent
    if isinstance(func, nodes.Attribute) and resolver.root(func.expr) is not None:
        return []  # `Task.objects.get(...)`: a manager's method, not a project helper named `get`
    # Three rules ask it of every call.
    return remembered(resolver.index.node_memo("helpers_of"), call, lambda: _functions_run(func))


def _functions_run(func: nodes.NodeNG) -> list[nodes.FunctionDef]:
    inferred = infer_all(func, limit=3)
    if not inferred and isinstance(func, nodes.Attribute):
        inferred = infer_through_annotations(func)  # server.page_manager.get_page(...), server: AppServer
    functions = list(dict.fromkeys(f for f in map(function_of, inferred) if isinstance(f, nodes.FunctionDef)))
    if any(in_request(f.body[0] if f.body else f) for f in functions):
        return []
    return functions


def _fetched_by(function: nodes.FunctionDef, resolver: ChainResolver, lookups: Lookups[T], hops: int,
                kind: str) -> list[tuple[str, T, nodes.Call]]:
    """(parameter, what, call) for each lookup by a parameter alone that `function` makes, in
    its own queries or in a helper it hands the parameter to (then `call` is the helper's).

    It depends on the function, the kind of lookups and the index, not on the call that runs
    it, so it is worked out once: a service that sixty routes call was followed sixty times,
    and that was two fifths of the rules' time on dify-plus. The answers are kept by the
    index, for as long as the function's tree lives."""
    answers = resolver.index.node_memo("fetched_by").setdefault(function, {})
    return remembered(answers, (kind, hops), lambda: list(_fetch(function, resolver, lookups, hops, kind)))


def _fetch(function: nodes.FunctionDef, resolver: ChainResolver, lookups: Lookups[T], hops: int,
           kind: str) -> Iterator[tuple[str, T, nodes.Call]]:
    parameters = {a.name for a in (*(function.args.args or ()), *(function.args.kwonlyargs or ()))}  # None: a stub
    for inner in nodes_within(function, nodes.Call):
        found = lookups(inner, parameters)
        if found is not None:  # a query: its own verdict, no helper to follow
            yield from ((parameter, what, inner) for parameter, what in found)
            continue
        if hops <= 1 or outermost_call(inner) is not inner:
            continue
        helper = _helper_of(inner, resolver)
        if helper is None or helper is function or checked_after_fetch(inner, resolver):
            continue  # `document = DocumentService.get_document(...)`, then `if document.tenant_id != ...: raise`
        for parameter, what, _ in _fetched_by(helper, resolver, lookups, hops - 1, kind):
            argument = argument_for(inner, helper, parameter)
            passed = (key_name(argument) or "").split(".")[0] if argument is not None else ""
            if passed in parameters:  # page_ids, or body for body.page_ids
                yield passed, what, inner
