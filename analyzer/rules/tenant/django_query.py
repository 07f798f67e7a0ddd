"""TEN001: a Django ORM query on a tenant-scoped model without a tenant filter."""

from __future__ import annotations

from collections.abc import Iterator

import astroid
from astroid import nodes

from ...config import Config
from ...index import ModelInfo
from ...lang.python import dotted_name, last_name, nodes_within
from ...model import Finding, Severity
from ..base import Rule, RuleContext
from . import CWE_639, OWASP_BOLA
from .chains import Chain, ChainResolver, model_of_class, outermost_call
from .context import parent_words, place_severity, serves_a_list, verdict, view_methods
from .django_queries import QUERY_METHODS, SHORTCUTS, DjangoQueries
from .keyed_helpers import KeyedHelper, keyed_helper_call
from .link_writes import SentLink, link_by_sent_ids
from .narrowing import checked_after_fetch, narrowed_elsewhere
from .permission_classes import checked_per_object, queryset_never_read, read_only_for_checked_rows
from .policy import tenant_severity
from .values import is_capability_field

GENERIC_VIEWS = frozenset({"DetailView", "UpdateView", "DeleteView", "ListView", "BaseDetailView",
                           "BaseUpdateView", "BaseDeleteView", "BaseListView"})


class UnfilteredDjangoQuery(Rule):
    """A Django query on a tenant-scoped model is not filtered by tenant.

    ## Why is this bad?
    In a multi-tenant application every row of a tenant-scoped model belongs to one customer.
    A query that does not constrain the tenant key returns every customer's rows: a list page
    shows other customers' invoices, and `Invoice.objects.get(pk=pk)` hands any logged-in user
    another customer's invoice when they change the id in the URL (an insecure direct object
    reference). The query is safe when some step filters by the tenant (`tenant=`,
    `tenant_id=`, `project__tenant=`, a `Q` object AND-ed in), when it starts from a related
    manager of an object the caller already holds (`request.tenant.invoices.all()`), or when
    the model's manager adds the filter itself (a custom `get_queryset`, django-scopes,
    django-multitenant). A manager method of the project's that hands back its own queryset
    narrowed by anything else (`Monitor.objects.with_check_annotations()`, whose body is `return
    self.annotate(...)`) keeps every tenant's rows. Generic views (`DetailView`, `UpdateView`, `DeleteView`, `ListView`)
    declared with `model = Invoice` and no `get_queryset` that narrows it are reported too,
    unless a detail view picks its row in a `get_object` of its own (that lookup is judged where
    it is written), or the class is a base that only narrowing views of its module extend, or
    a mixin's `dispatch`, `has_permission` or `test_func` checks the row it serves (the
    caller's membership of `self.get_object()`), or it finds its row by a secret
    (`slug_field = "token"`). A `get_queryset` that only narrows `super().get_queryset()`
    further is as narrow as its base's. A DRF view's class-level `queryset` is narrowed by the
    view's own `get_queryset`, `filter_queryset` or `list`, not by a tenant-scoped query
    elsewhere in the view (a uniqueness check in `perform_create`).
    A DRF view's class-level `queryset` is safe where only `get_object()` reads it and one of
    the view's permission classes (its own, or `DEFAULT_PERMISSION_CLASSES`) checks the row in
    `has_object_permission`, or where the detail view's own `get_object` picks its row among
    the tenant's (`get_object_or_404(self.queryset, pk=pk, project_id=..., user=request.user)`);
    a list is never checked that way. Another class-level queryset of
    a view (`parent_queryset = Project.objects.all()` on a nested route) is safe where every
    method that reads it also runs `self.check_object_permissions` with such a class. A
    serializer field's `queryset=` is safe where the serializer checks the chosen row itself, or
    where every view that makes the serializer checks the row it reads from `validated_data`
    (handed to `check_object_permissions`, or looked up again among the caller's rows) and none
    saves it unchecked. So is a row fetched and then
    checked: compared with the caller's tenant, handed to a permission check, or asked about
    the caller (`if not invoice.project.can_be_seen_by(request.user): raise PermissionDenied`),
    or each row in turn in a loop that refuses the ones the caller may not see, or compared in a
    guard with a row looked up for the caller (by `request.user`, or by an attribute the server's
    middleware set on the request, never by its GET, POST or body); the rows then filtered by
    that row's key (`Comment.objects.filter(task_id=task_id)` after `task` was fetched by
    `task_id` and checked) belong to it, and so does that key handed on to a service
    (`discard_draft(draft_id)` after `if draft and draft.user_id != request.user.id: raise`). Rows filtered to
    what their owners published for everyone (`status=AppStatus.PUBLISHED`, `is_published=True`)
    are a catalogue, not one tenant's data; `is_public=True` may mean public to the tenant's own
    clients, and is judged like any other filter.

    A model that belongs to a tenant only through a parent (`InvoiceLine` through `invoice`) is
    reported where a request picks one of its rows by a key the client sent in the body or
    query string (`InvoiceLine.objects.filter(pk=entry["id"]).delete()`), unless the lookup
    also names the parent (`invoice=invoice`); keys from the URL are left to the view's
    permissions, which nested routes check. It is reported too where its rows are filtered by a
    parent the client names (`InvoiceLine.objects.filter(invoice_id=request.GET["invoice"])`),
    or picked by a list of keys read from the body as it is, and where a request lists its rows
    unfiltered (`return InvoiceLine.objects.all()` from a list view's `get_queryset`, or as its
    class-level `queryset` when no `get_queryset` or `filter_queryset` of the view narrows it).
    A row belongs to its parent through a required foreign key, or through one it may leave
    empty that deletes it with the parent (`on_delete=models.CASCADE`). A many-to-many link made from ids
    the body sends (`task.labels.set(request.data["labels"])`, `.add(*ids)`) is reported too:
    the related manager takes any row's key, and the caller reads the linked rows back. A DRF view's
    queryset is also safe where the project's `DEFAULT_FILTER_BACKENDS` (or the view's own
    `filter_backends`) include one that narrows to the tenant.

    A lookup by primary key is reported inside request handlers, where the id arrives with the
    request, and at a handler's call of a service that looks a row up by an id the handler took
    from the URL or the body, or of a Celery task it queues with an id from the body
    (`send_reminder.delay(request.POST["invoice"])`); queries in code that no request reaches (scheduled jobs,
    telemetry) are not reported. Management commands, admin modules, scripts, jobs and the
    views of internal service APIs (`internal_views.py`, `UsageInternalView`) work across
    tenants on purpose (a backfill, a nightly sweep): a query there gets a warning only where
    the function around it holds one tenant, a parameter or variable named after it
    (`organization`, `org_id`), and does not filter by it; a lookup of one row by its key there
    is the operator's or the service's choice, and is not reported. A query in a function whose
    docstring says it works across tenants ("across organizations", "cross-tenant") is not
    reported: the author decided it where a reviewer reads it; nor one in a function that first
    refuses to run unless a setting says the instance serves a single tenant (`if not
    settings.SENTRY_SINGLE_ORGANIZATION: raise ...`). Nor is a lookup in a function that
    sets the request's tenant (`request.organization = domain.organization`,
    `request.state.org_id = ...`): a middleware working out from the host name or a token whose
    request it is; nor a default no caller uses (`if queryset is None: queryset =
    Comment.objects.all()` in a helper every call hands a queryset); nor rows of which the code only asks
    whether they exist and whose they are (`if not providers.exists(): ...`,
    `providers[0].organization_id`), unless it holds one tenant and hands a count of every
    tenant's rows on as its answer. A query in a branch that only operators
    take (`if request.user.is_superuser:`), or that skips a narrowing only for operators (`if
    not is_active_superuser(request): qs = qs.filter(...)`), is a warning. `Invoice.objects.raw(sql)`
    whose SQL text can be read is left to TEN003, which judges every table the SQL names.

    Keys of rows the code holds narrow like the rows themselves: `filter(actor_id__in=[t.actor_id
    for t in teams])`, `extra(where=["link.group_id IN ({})".format(", ".join(str(g.id) for g in
    groups))])`, and in a DRF serializer's `validate(self, attrs)` the rows a field's
    `validate_<field>` loaded and returned. A narrowing under `if projects:` by a parameter every
    caller passes counts (an empty list is the caller's choice); one by an optional parameter
    (`agent_id=None`) does not. Lookups set on a dict before `filter(**lookups)` are read like
    keywords, where they are always set or set under a test of the value itself. A key kept in
    a mapping field of an object the code holds (`refund.info_data.get("gift_card")`) was stored
    with that row, like `refund.gift_card_id`. In a DRF view's `perform_create` or
    `perform_update`, a key read again from the body (`self.request.data["addon_category"]`) was
    already validated by the view's serializer where its `validate_<field>` weighs the value
    against the serializer's context or the tenant.

    `QuerySet(Invoice)` and `QuerySet(model=Invoice)` start a query like `Invoice.objects`. A
    serializer used as a service (`InvoiceOperations(data={...}).void()`) is judged by the keys
    it reads from its own data: a key its `is_valid` looks up within the tenant, or within a
    parent it looks up so, is a checked parent, and one it only checks exists is not; a key
    that every view making the serializer fills with the caller (`request.user.id`, DRF's
    `request.auth.application_id`) is the caller's own. A row picked by any other key from its
    data is reported in the method that picks it.

    ## Example
    ```python
    from django.db import models
    from django.shortcuts import render


    class Tenant(models.Model):
        name = models.CharField(max_length=100)


    class Project(models.Model):
        tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)


    class Invoice(models.Model):
        tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
        project = models.ForeignKey(Project, on_delete=models.CASCADE)


    def invoice_detail(request, pk):
        invoice = Invoice.objects.get(pk=pk)
        return render(request, "invoice.html", {"invoice": invoice})
    ```

    ## Use instead
    ```python
    from django.db import models
    from django.shortcuts import render


    class Tenant(models.Model):
        name = models.CharField(max_length=100)


    class Project(models.Model):
        tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)


    class Invoice(models.Model):
        tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
        project = models.ForeignKey(Project, on_delete=models.CASCADE)


    def invoice_detail(request, pk):
        invoice = Invoice.objects.get(pk=pk, tenant=request.tenant)
        return render(request, "invoice.html", {"invoice": invoice})
    ```
    """

    code = "TEN001"
    name = "unfiltered-django-query"
    severity = Severity.ERROR
    languages = ("python",)
    references = (CWE_639, OWASP_BOLA)
    local_to_statement = True
    node_types = (nodes.Call, nodes.ClassDef)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return tenant_severity(relpath, config, self.severity) is not None

    def applies_to(self, ctx: RuleContext) -> bool:
        return bool(ctx.index.tenant_names) and super().applies_to(ctx)

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        resolver = DjangoQueries(ctx.index)
        if isinstance(node, nodes.ClassDef):
            yield from self._generic_view(node, resolver, ctx)
            yield from self._bare_manager_queryset(node, resolver, ctx)
            return
        link = link_by_sent_ids(node, resolver)
        if link is not None:
            yield from self._link_finding(node, link, ctx)
            return
        helper = keyed_helper_call(node, resolver, lambda call: resolver.function_call(call, 0)
                                   or self._birth(call, resolver))
        if helper is not None:
            yield from self._helper_finding(node, helper, ctx)
            return
        if _handed_to_a_shortcut(node):
            return  # get_object_or_404(Invoice.objects.filter(...), pk=pk): judged with the lookup's own filter
        chain = resolver.function_call(node, 0) or self._birth(node, resolver)
        severity = verdict(node, chain, resolver, ctx, self.severity)
        if severity is None or self._scoped_elsewhere(node, chain, resolver):
            return
        model = chain.model
        field = model.tenant_field or model.bound_via
        if not (chain.keyed or chain.has_filter or model.is_tenant_scoped):
            message = (f"`{model.name}` is listed without filtering on `{field}`, the {parent_words(model)} it "
                       "belongs to, so the list holds every tenant's rows")
        elif not chain.keyed and not model.is_tenant_scoped:
            message = (f"`{model.name}` is filtered by the `{field}` the client sends, without checking that the "
                       f"{parent_words(model)} is the caller's: any user who changes the id reads another tenant's "
                       "rows")
        elif chain.keyed and not model.is_tenant_scoped:
            message = (f"`{model.name}` is picked by primary key without filtering on `{field}`, the "
                       f"{parent_words(model)} it belongs to: any user who changes the id reaches another "
                       "tenant's row")
        elif chain.keyed:
            message = (f"`{model.name}` is fetched by primary key without filtering on `{field}`: any user who "
                       f"changes the id reads another tenant's row")
        else:
            message = f"`{model.name}` is queried without filtering on `{field}`, so it returns every tenant's rows"
        yield ctx.finding(self, ctx.positions.span(node), message, severity=severity)

    def _helper_finding(self, node: nodes.Call, helper: KeyedHelper, ctx: RuleContext) -> Iterator[Finding]:
        severity = helper.severity(node, ctx, self.severity)
        if severity is not None:
            field = helper.model.tenant_field or helper.model.bound_via
            yield ctx.finding(self, ctx.positions.span(node), helper.message(f"filtering on `{field}`"),
                              severity=severity)

    def _link_finding(self, node: nodes.Call, link: SentLink, ctx: RuleContext) -> Iterator[Finding]:
        severity = place_severity(node, ctx, self.severity)
        if severity is not None:
            message = (f"`.{link.relation}.{node.func.attrname}()` links `{link.target.name}` rows by the ids the "
                       f"client sent, without checking they are the tenant's: another tenant's rows can be "
                       "linked, and read back through the link")
            yield ctx.finding(self, ctx.positions.span(node), message, severity=severity)

    def _generic_view(self, cls: nodes.ClassDef, resolver: DjangoQueries, ctx: RuleContext) -> Iterator[Finding]:
        """`class InvoiceDetail(DetailView): model = Invoice`: Django serves any tenant's row by the
        URL's pk (or lists every tenant's rows) unless get_queryset narrows it."""
        if not any((dotted_name(b) or "").rsplit(".", 1)[-1] in GENERIC_VIEWS for b in cls.bases):
            return
        assignment = next((s for s in cls.body if isinstance(s, nodes.Assign) and any(
            isinstance(t, nodes.AssignName) and t.name == "model" for t in s.targets)), None)
        if assignment is None or any(isinstance(s, nodes.Assign) and any(
                isinstance(t, nodes.AssignName) and t.name == "queryset" for t in s.targets) for s in cls.body):
            return
        model = model_of_class(assignment.value, ctx.index, "django")
        if model is None or not model.is_tenant_scoped or model.auto_scoped or "objects" in model.scoped_managers:
            return
        if resolver.view_filters_by_tenant(cls) or _picks_its_own_object(cls) \
                or _base_of_narrowing_views(cls, resolver) or _checks_its_object(cls, model, resolver) \
                or _picked_by_a_secret(cls):
            return
        severity = tenant_severity(ctx.relpath, ctx.config, self.severity)
        message = (f"`{cls.name}` serves `{model.name}` through `model = {model.name}` without a `get_queryset` "
                   f"that filters on `{model.tenant_field}`, so any tenant's rows can be reached")
        yield ctx.finding(self, ctx.positions.span(assignment), message, severity=severity)

    def _bare_manager_queryset(self, cls: nodes.ClassDef, resolver: DjangoQueries,
                               ctx: RuleContext) -> Iterator[Finding]:
        """`queryset = Recipe.objects` on a DRF view: a manager without `.all()` is a queryset too."""
        for statement in cls.body:
            if not (isinstance(statement, nodes.Assign) and isinstance(statement.value, nodes.Attribute)
                    and any(isinstance(t, nodes.AssignName) and t.name == "queryset" for t in statement.targets)):
                continue
            chain = resolver.root(statement.value)
            if chain is None or chain.model is None or not chain.model.is_tenant_scoped or chain.scoped:
                continue
            if resolver.view_filters_by_tenant(cls) or _served_safely(cls, resolver):
                continue
            model = chain.model
            message = f"`{model.name}` is queried without filtering on `{model.tenant_field}`, so it returns every " \
                      "tenant's rows"
            yield ctx.finding(self, ctx.positions.span(statement.value), message,
                              severity=tenant_severity(ctx.relpath, ctx.config, self.severity))

    def _birth(self, node: nodes.Call, resolver: ChainResolver) -> Chain | None:
        func = node.func
        if not isinstance(func, nodes.Attribute):
            return None
        if func.attrname not in QUERY_METHODS and func.attrname not in resolver.index.scoping_methods \
                and func.attrname not in resolver.index.derived_methods:
            return None
        if outermost_call(node) is not node or not resolver.is_birth(node):
            return None
        return resolver.resolve(node)

    def _scoped_elsewhere(self, node: nodes.Call, chain: Chain, resolver: DjangoQueries) -> bool:
        cls = node.scope()
        if isinstance(cls, nodes.ClassDef):
            # `queryset = Invoice.objects.all()` on a view is judged by its get_queryset; a
            # serializer or form field's `queryset=` by whether the class re-checks the choice.
            attribute = _class_attribute(node)
            if attribute == "queryset" and not serves_a_list(cls) and _its_get_object_scopes(cls, chain, resolver):
                return True  # MyRole.get_object(): get_object_or_404(self.queryset, user=..., project_id=...)
            # A view's own `queryset` is narrowed where the view lists (`filter_queryset`, a
            # `list` of its own), not by a scoped query elsewhere in the view (a uniqueness check
            # in `perform_create`), as a serializer field's choices are.
            return resolver.view_filters_by_tenant(cls) or _served_safely(cls, resolver) or \
                (resolver.class_requeries_scoped(cls, chain.model, attribute) if attribute != "queryset"
                 else _narrowed_in(view_methods(cls, LISTING_METHODS), chain, resolver)) or \
                read_only_for_checked_rows(cls, attribute, resolver.index) or \
                f"{cls.name}#{attribute}" in resolver.index.rechecked_fields
        owner, field_name = _field_queryset_in_init(node)
        if owner is not None and resolver.class_requeries_scoped(owner, chain.model, field_name):
            return True  # self.fields["voucher"].queryset = Voucher.objects.all(), then validate_voucher()
        view = _view_of_get_queryset(node)
        if view is not None and (checked_per_object(view, resolver.index)
                                 or resolver.filtered_by_backends([view, *_ancestors(view)])):
            return True  # return Storage.objects.all() in a view whose get_object() checks each row
        return narrowed_elsewhere(node, resolver)


LIST_VIEWS = frozenset({"ListView", "BaseListView", "MultipleObjectMixin"})


def _picks_its_own_object(cls: nodes.ClassDef) -> bool:
    """A detail, update or delete view whose `get_object` (its own, or a project base's) looks the
    row up itself, without `super().get_object()`: the class's `model` then names no rows it
    serves, and that lookup is judged where it is written."""
    return any(m.name == "get_object" and not _calls_super_get_object(m)
               for c in _detail_lineage(cls) for m in c.mymethods())


def _its_get_object_scopes(cls: nodes.ClassDef, chain: Chain, resolver: DjangoQueries) -> bool:
    """A detail view whose own `get_object` picks its row among the tenant's
    (`get_object_or_404(self.queryset, **{"project_id": ..., "user": request.user})`): the
    class-level queryset serves nothing else."""
    methods = [m for c in _detail_lineage(cls) for m in c.mymethods() if m.name == "get_object"]
    return not any(_calls_super_get_object(m) for m in methods) and _narrowed_in(methods, chain, resolver)


# Where a view narrows the rows it lists, beside `get_queryset`.
LISTING_METHODS = frozenset({"filter_queryset", "list"})


def _narrowed_in(methods: list[nodes.FunctionDef], chain: Chain, resolver: DjangoQueries) -> bool:
    """Whether one of `methods` queries the chain's model, or the view's own queryset, by the
    tenant: `queryset.filter(project=self.kwargs["project_id"])` in `filter_queryset`."""
    for method in methods:
        for call in nodes_within(method, nodes.Call):
            found = resolver.function_call(call, 0) or resolver.resolve(call)
            if found is not None and found.model in (None, chain.model) and found.scoped:  # None: self.queryset
                return True
    return False


def _detail_lineage(cls: nodes.ClassDef) -> list[nodes.ClassDef]:
    """The view and its project bases, when it serves one row; none for a list view."""
    lineage = [cls, *(c for c in _ancestors(cls) if not c.root().name.startswith("django"))]
    if any((dotted_name(b) or "").rsplit(".", 1)[-1] in LIST_VIEWS for c in lineage for b in c.bases):
        return []
    return lineage


# Django's hooks that `dispatch` runs before the handler: PermissionRequiredMixin's and
# UserPassesTestMixin's, and `dispatch` itself.
ACCESS_HOOKS = frozenset({"dispatch", "has_permission", "test_func"})


def _checks_its_object(cls: nodes.ClassDef, model: ModelInfo, resolver: DjangoQueries) -> bool:
    """A detail, update or delete view whose mixin checks the row before the handler runs:
    `has_permission()` that takes `project = self.get_object()` and looks up the caller's
    membership of it, `dispatch()` that refuses the request otherwise."""
    return any(m.name in ACCESS_HOOKS and any(_fetches_the_views_row(call, model, resolver)
                                              and checked_after_fetch(call, resolver)
                                              for call in nodes_within(m, nodes.Call))
               for c in _detail_lineage(cls) for m in c.mymethods())


def _fetches_the_views_row(call: nodes.Call, model: ModelInfo, resolver: DjangoQueries) -> bool:
    """`self.get_object()`, or the view's model looked up by the URL's key itself
    (`Invitation.objects.get(pk=self.kwargs.get("pk"))`)."""
    if isinstance(call.func, nodes.Attribute) and call.func.attrname == "get_object":
        return dotted_name(call.func.expr) == "self"
    chain = resolver.resolve(call) if last_name(call.func) in ("get", "get_object_or_404") else None
    return chain is not None and chain.model is model and any(
        k.value.as_string().startswith("self.kwargs") for k in call.keywords or ())


def _picked_by_a_secret(cls: nodes.ClassDef) -> bool:
    """`slug_field = "token"`: the view finds its row by a secret the URL carries (an
    invitation's token), and holding it is the authorisation."""
    return any(isinstance(s, nodes.Assign) and any(isinstance(t, nodes.AssignName) and t.name == "slug_field"
                                                   for t in s.targets)
               and isinstance(s.value, nodes.Const) and is_capability_field(str(s.value.value)) for s in cls.body)


def _calls_super_get_object(method: nodes.FunctionDef) -> bool:
    """`super().get_object()`: the lookup is still Django's, in the class's queryset."""
    return any(a.attrname == "get_object" and isinstance(a.expr, nodes.Call)
               and getattr(a.expr.func, "name", "") == "super" for a in nodes_within(method, nodes.Attribute))


def _base_of_narrowing_views(cls: nodes.ClassDef, resolver: DjangoQueries) -> bool:
    """`VoucherListBase(ListView)` that the module's views extend, each narrowing
    `get_queryset` to the tenant or picking its own object: the base serves nothing by itself."""
    subclasses = [c for c in nodes_within(cls.root(), nodes.ClassDef)
                  if any((dotted_name(b) or "") == cls.name for b in c.bases)]
    return bool(subclasses) and all(_picks_its_own_object(c) or resolver.view_filters_by_tenant(c)
                                    for c in subclasses)


def _field_queryset_in_init(node: nodes.NodeNG) -> tuple[nodes.ClassDef | None, str | None]:
    """The serializer or form and its field `voucher` when `node` is assigned in a method of the
    class as `self.fields["voucher"].queryset = ...`."""
    statement = node.parent
    if not (isinstance(statement, nodes.Assign) and len(statement.targets) == 1):
        return None, None
    target = statement.targets[0]
    if not (isinstance(target, nodes.AssignAttr) and target.attrname == "queryset"
            and isinstance(target.expr, nodes.Subscript) and isinstance(target.expr.slice, nodes.Const)
            and (dotted_name(target.expr.value) or "") == "self.fields"):
        return None, None
    function = node.scope()
    owner = function.parent if isinstance(function, nodes.FunctionDef) else None
    return (owner, str(target.expr.slice.value)) if isinstance(owner, nodes.ClassDef) else (None, None)


def _handed_to_a_shortcut(node: nodes.Call) -> bool:
    """The queryset `get_object_or_404` is given as its first argument."""
    parent = node.parent
    return isinstance(parent, nodes.Call) and bool(parent.args) and parent.args[0] is node \
        and (dotted_name(parent.func) or "").rsplit(".", 1)[-1] in SHORTCUTS


def _ancestors(cls: nodes.ClassDef) -> list[nodes.ClassDef]:
    try:
        return list(cls.ancestors())
    except (astroid.InferenceError, RecursionError):
        return []


def _view_of_get_queryset(node: nodes.NodeNG) -> nodes.ClassDef | None:
    """The view class whose `get_queryset` returns `node` as it is."""
    function = node.scope()
    if not (isinstance(function, nodes.FunctionDef) and function.name == "get_queryset"
            and isinstance(node.parent, nodes.Return) and isinstance(function.parent, nodes.ClassDef)):
        return None
    return function.parent


def _served_safely(view: nodes.ClassDef, resolver: DjangoQueries) -> bool:
    """A view's class-level queryset that no tenant can read through: each row it serves passes
    an object permission that checks it, or the view never reads it at all."""
    return checked_per_object(view, resolver.index) or queryset_never_read(view)


def _class_attribute(node: nodes.NodeNG) -> str | None:
    """`project` for the queryset of `project = PrimaryKeyRelatedField(queryset=...)`."""
    current = node
    while current.parent is not None and not isinstance(current.parent, nodes.ClassDef):
        current = current.parent
    if isinstance(current, nodes.Assign) and isinstance(current.targets[0], nodes.AssignName):
        return current.targets[0].name
    return None
