"""Django querysets, followed from the manager to the call that uses them.

A chain such as `Invoice.objects.filter(status="open").order_by("-id").first()` is resolved to
the model it queries and whether any step constrains the tenant key. Chains are followed
through variables (`qs = ...; qs = qs.filter(...)`), helper functions and their return values
with astroid, so a query made safe one line or one function away is seen as safe.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from functools import cached_property

import astroid
from astroid import nodes

from ...index import ModelInfo
from ...index.managers import DJANGO_QUERYSET_METHODS as QUERY_METHODS
from ...index.tenant import names_the_tenant, tenant_words
from ...lang.python import dotted_name, nodes_within, safe_infer
from ...lang.python_strings import string_value
from ...lang.words import words
from .chains import COLLECTING, Chain, ChainResolver, assigned_values, key_name, model_of_class, returns
from .narrowing import key_of_a_checked_row
from .serializer_checks import filled_with_caller, vouched_data
from .values import (
    USER_MODELS,
    USER_OBJECTS,
    Origin,
    filled_with_secret,
    is_callers_own,
    is_capability_field,
    is_capability_value,
    is_identity_lookup,
    is_loaded_key,
    is_the_caller,
    names_checked_object,
    origin,
    scopes_through_parent,
)

# Methods whose keyword arguments narrow the rows (the others' keywords are not filters).
FILTER_METHODS = frozenset({"filter", "get", "get_or_create", "update_or_create", "aget", "aget_or_create",
                            "aupdate_or_create"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404", "aget_object_or_404", "aget_list_or_404"})
DEFAULT_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
PK_KEYS = frozenset({"pk", "id", "pk__in", "id__in", "pk__exact", "id__exact", "uuid", "slug"})


def _as_pk(model: ModelInfo | None, lookup: str) -> str:
    return model.as_pk_lookup(lookup) if model is not None else lookup


class DjangoQueries(ChainResolver):
    """Chains that start at a model manager: `Invoice.objects`, `Invoice.scoped`."""

    def root(self, node: nodes.NodeNG) -> Chain | None:
        if isinstance(node, nodes.Attribute):
            return self._manager(node) or self._view_queryset(node) or self._tenants_own(node)
        if isinstance(node, nodes.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] == "QuerySet":
            return self._queryset_of(node)
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) \
                and node.func.attrname == "get_queryset" and _is_self_or_super(node.func.expr):
            # The view's own base queryset: the tenant's rows where the project's get_queryset is
            # read to narrow (a mixin's `Voucher.objects.filter(organization=...)`), else of a model
            # unknown here; an unscoped one is reported where get_queryset returns it.
            own = self._helper(node, 1) if isinstance(node.func.expr, nodes.Name) else None
            return own if own is not None and own.model is not None and own.scoped else Chain(model=None)
        return None

    @cached_property
    def _tenant_related_managers(self) -> dict[str, ModelInfo]:
        """`outgoing_mails` -> OutgoingMail: the related managers on the tenant model, by the
        `related_name` of each key to it (or Django's default `outgoingmail_set`)."""
        tenants = set(self.index.tenant.models)
        found: dict[str, ModelInfo] = {}
        for model in self.index.models.values():
            for field_info in model.fields.values():
                if field_info.kind in ("fk", "o2o") and field_info.target in tenants and model.is_tenant_scoped:
                    found[field_info.related_name or f"{model.name.lower()}_set"] = model
        return found

    def _tenants_own(self, node: nodes.Attribute) -> Chain | None:
        """`request.organizer.outgoing_mails`, `self.organization.invoices`: the rows of the tenant
        the code holds, through the related manager of its key."""
        model = self._tenant_related_managers.get(node.attrname)
        if model is None:
            return None
        holder = (dotted_name(node.expr) or "").rsplit(".", 1)[-1]
        if not holder or not (tenant_words(self.index.tenant) & set(words(holder))):
            return None
        return Chain(model=model, scoped=True)

    @cached_property
    def _manager_names(self) -> frozenset[str]:
        """Every attribute through which some model hands out its rows."""
        return frozenset(DEFAULT_MANAGERS | self.index.scoping_methods | {
            manager for model in self.index.models.values() for manager in model.managers})

    def function_call(self, node: nodes.Call, depth: int) -> Chain | None:
        """`get_object_or_404(Invoice, pk=pk)` and `get_object_or_404(qs, pk=pk)` filter like `.get()`."""
        name = (dotted_name(node.func) or "").rsplit(".", 1)[-1]
        if name not in SHORTCUTS or not node.args:
            return None
        target = node.args[0]
        model = model_of_class(target, self.index, "django")
        if model is not None:
            base = Chain(model=model, scoped=model.auto_scoped or "objects" in model.scoped_managers)
        else:
            base = self.resolve(target, depth + 1)
            if base is None:
                return None
        return self.step(base, "filter", node.args[1:], node.keywords or [])

    def _view_queryset(self, node: nodes.Attribute) -> Chain | None:
        """`self.queryset` and `self.model.objects` inside a view: a base queryset of unknown model."""
        if node.attrname == "queryset" and _is_self_or_super(node.expr):
            return Chain(model=None)
        if node.attrname in DEFAULT_MANAGERS and isinstance(node.expr, nodes.Attribute) \
                and node.expr.attrname == "model" and _is_self_or_super(node.expr.expr):
            return Chain(model=None)
        return None

    def view_filters_by_tenant(self, cls: nodes.ClassDef) -> bool:
        """A DRF viewset or Django view whose `get_queryset` (own or inherited) returns only
        querysets narrowed to the tenant."""
        classes = [cls]
        with contextlib.suppress(astroid.InferenceError, RecursionError):
            classes += list(cls.ancestors())
        words = tenant_words(self.index.tenant)
        for klass in classes:
            # A mixin from a package the scan cannot read, named for the tenant
            # (FilterByOrganizationManaged), is taken to narrow get_queryset.
            if any(names_the_tenant((dotted_name(b) or "").rsplit(".", 1)[-1], words)
                   and safe_infer(b) is None for b in klass.bases):
                return True
        if self.filtered_by_backends(classes):
            return True
        if _served_by_secret(cls):
            return True
        return self._get_queryset_narrows(classes)

    def _get_queryset_narrows(self, classes: list[nodes.ClassDef]) -> bool:
        """Whether the first `get_queryset` of `classes` returns only querysets narrowed to the
        tenant, or only narrows further what `super().get_queryset()` returns when the next one
        does: `qs = super().get_queryset()` then a search filter, over a base viewset that
        filters by the request's organization."""
        for position, klass in enumerate(classes):
            method = next((m for m in klass.mymethods() if m.name == "get_queryset"), None)
            if method is None:
                continue
            if not _uses_base_queryset(method):
                return True  # get_queryset builds its own queryset: the class attribute is never used
            chains = [self.resolve(r.value) for r in returns(method) if r.value is not None]
            if chains and all(c is not None and c.scoped for c in chains):
                return True
            return bool(chains) and _only_narrows_super(method) and all(c is not None and (c.scoped or c.model is None)
                                                                        for c in chains) \
                and self._get_queryset_narrows(classes[position + 1:])
        return False

    def filtered_by_backends(self, classes: list[nodes.ClassDef]) -> bool:
        """DRF runs a view's filter backends on its list and in get_object(): those the view
        names in `filter_backends`, or where no class of it does, the project's
        `DEFAULT_FILTER_BACKENDS` (Unstract's `OrganizationFilterBackend`, for every view)."""
        declared = _filter_backends(classes)
        backends = [safe_infer(b) for b in declared] if declared is not None else \
            [_class_at(path) for path in self.index.default_filter_backends]
        names = [(dotted_name(b) or "").rsplit(".", 1)[-1] for b in declared or ()] + \
            [path.rsplit(".", 1)[-1] for path in self.index.default_filter_backends if declared is None]
        words = tenant_words(self.index.tenant)
        return any(name in USER_SCOPED_BACKENDS for name in names) or any(
            isinstance(b, nodes.ClassDef) and _backend_scopes_by_caller(b, self.index.is_tenant_lookup, words)
            for b in backends)

    def class_requeries_scoped(self, cls: nodes.ClassDef, model: ModelInfo | None, field_name: str | None) -> bool:
        """A serializer or form whose methods query `model` again with a tenant filter
        (`validate()` keeping only the labels of the caller's project) checks the choices its
        `PrimaryKeyRelatedField(queryset=Label.objects.all())` accepted, and so does one that
        compares the chosen row's tenant with the caller's (`attrs["project"].organization_id`
        for the field `project`, or anything `validate_project` receives). Another field's
        validator (`validate_repository_id`, left from a field since replaced) checks nothing here."""
        keys = {model.tenant_field, model.tenant_column} - {None} if model is not None else set()
        for method in cls.mymethods() if field_name else ():
            whole_method = method.name == f"validate_{field_name}"
            for compare in nodes_within(method, nodes.Compare):
                operands = [compare.left, *(operand for _, operand in compare.ops)]
                if any(isinstance(o, nodes.Attribute) and o.attrname in keys
                       and (whole_method or _names_field(o.expr, field_name)) for o in operands):
                    return True
        for method in cls.mymethods():
            if field_name and method.name.startswith(("validate_", "clean_")) \
                    and method.name.split("_", 1)[1] != field_name:
                continue  # another field's validator sees only that field's value
            for call in nodes_within(method, nodes.Call):
                if not isinstance(call.func, nodes.Attribute) or call.func.attrname not in FILTER_METHODS:
                    continue
                chain = self.resolve(call)
                if chain is not None and chain.model is model and chain.scoped:
                    return True
        return False

    def _queryset_of(self, node: nodes.Call) -> Chain | None:
        """`QuerySet(Document)` or `QuerySet(model=Document)`: every row of the model, as
        `Document.objects.all()` but without the model's own manager and its filters."""
        target = node.args[0] if node.args else next((k.value for k in node.keywords or () if k.arg == "model"), None)
        model = model_of_class(target, self.index, "django") if target is not None else None
        if model is None:
            return None
        return Chain(model=model, scoped=model.auto_scoped and not _scopes_disabled(node))

    def _manager(self, node: nodes.Attribute) -> Chain | None:
        if node.attrname not in self._manager_names:
            return None  # `tasks.filter`, `row.body`: not a manager of any model, so no inference
        model = model_of_class(node.expr, self.index, "django")
        if model is None:
            return None
        attribute = node.attrname
        if attribute not in DEFAULT_MANAGERS and attribute not in model.managers \
                and attribute not in self.index.scoping_methods:
            return None
        auto = model.auto_scoped and not _scopes_disabled(node)
        scoped = auto or attribute in model.scoped_managers or attribute in self.index.scoping_methods
        return Chain(model=model, scoped=scoped)

    def step(self, chain: Chain, method: str, args: list[nodes.NodeNG],
             keywords: list[nodes.Keyword]) -> Chain | None:
        if method == "get" and args and isinstance(args[0], nodes.Const):
            return None  # data.get("invoice"): a mapping's, never a queryset's
        if method not in QUERY_METHODS and method not in self.index.scoping_methods:
            if self._hands_over_the_tenant(args, keywords):
                return chain.then(scoped=True)  # `Page.objects.for_shop(request.shop)`, `.visible(shop=shop)`
            # `qs.prefetch_for_serializer(user=u)` on a narrowed queryset: a queryset's own method
            # derives from it and cannot widen it again; nor narrow it by tenant, where the
            # project's manager method only annotates (`Monitor.objects.with_check_annotations()`).
            return chain if chain.scoped or method in self.index.derived_methods else None
        if method in self.index.scoping_methods:
            return chain.then(scoped=True)
        if method == "none":
            return chain.then(scoped=True)  # `self.queryset.none()` for an anonymous caller: no rows at all
        if method == "extra":
            return chain.then(scoped=chain.scoped or self._extra_where_scopes(keywords))
        if method == "raw" and args and string_value(args[0]) is not None:
            return chain.then(scoped=True)  # SQL text that can be read: TEN003 judges its tables
        if method == "in_bulk" and (args or keywords) and not chain.scoped:
            ids = args[0] if args else next((k.value for k in keywords if k.arg == "id_list"), None)
            if ids is not None:  # rows by a list of primary keys: whoever chose the keys chose the rows
                return chain.then(keyed=True, key=chain.key or key_name(ids))
        if method not in FILTER_METHODS:
            return chain
        verdicts = [self._keyword(chain.model, k) for k in keywords]
        verdicts += [self._q(arg, chain.model) for arg in args]
        verdicts = ["scoped" if v == "shared" else v for v in verdicts]  # only rows of no tenant
        scoped = chain.scoped or "scoped" in verdicts
        unknown = chain.unknown or "unknown" in verdicts
        lookups = [(k.arg, k.value) for k in keywords if k.arg]
        lookups += [item for k in keywords if k.arg is None and not _keyword_parameter(k.value)
                    for item in _dict_items(k.value)]
        keys = {_as_pk(chain.model, arg) for arg, _ in lookups}
        keyed = chain.keyed or bool(keys & PK_KEYS)
        key = chain.key or next((name for arg, value in lookups if _as_pk(chain.model, arg) in PK_KEYS
                                 for name in [key_name(value)] if name), None)
        return chain.then(scoped=scoped, unknown=unknown, keyed=keyed and not scoped, key=key,
                          has_filter=chain.has_filter or bool(keys) or bool(args))

    def _every_tenant(self, model: ModelInfo | None, key: str, value: nodes.NodeNG) -> bool:
        """`event__in=Event.objects.all()`: a tenant lookup in name only, against every tenant.
        Only a query written out here: a helper's (`events_for_user(user)`) may return every
        event to administrators alone."""
        base = value
        while isinstance(base, nodes.Call) and isinstance(base.func, nodes.Attribute):
            base = base.func.expr
        chain = self.resolve(value) if base is not value and self.root(base) is not None else None
        if chain is None or chain.model is None or chain.scoped or chain.unknown or chain.has_filter:
            return False
        relation = model.fields.get(key.split("__")[0]) if model is not None else None
        target = self.index.relation_target(model, relation) if relation is not None and relation.is_relation else None
        return chain.model is target or chain.model.name in self.index.tenant.models

    def _hands_over_the_tenant(self, args: list[nodes.NodeNG], keywords: list[nodes.Keyword]) -> bool:
        """A custom manager or queryset method given the caller's tenant, which it is there to
        filter by: the value is `request.shop`, `self.organization`, `workspace`."""
        for value in (*args, *(k.value for k in keywords)):
            name = (dotted_name(value) or "").rsplit(".", 1)[-1]
            if name and name in self.index.tenant_names and origin(value) is not Origin.REQUEST:
                return True
        return False

    def _extra_where_scopes(self, keywords: list[nodes.Keyword]) -> bool:
        """`.extra(where=["billing_invoice.organization_id = %s"], params=[org.pk])`."""
        where = next((k.value for k in keywords if k.arg == "where"), None)
        if not isinstance(where, (nodes.List, nodes.Tuple)):
            return False
        for item in where.elts:
            if _written_from_held_keys(item):
                return True
            text = item.value if isinstance(item, nodes.Const) and isinstance(item.value, str) else ""
            if re.search(r"\bor\b", text, re.I):
                continue  # a tenant condition under OR does not hold for every row
            for column in self.index.tenant_names:
                if re.search(rf"(^|[\s.\"(]){re.escape(column)}\"?\s*(=|\bIN\b)", text, re.I):
                    return True
        return False

    def _keyword(self, model: ModelInfo | None, keyword: nodes.Keyword) -> str:
        if keyword.arg is None:  # **filters
            return self._unpacked(keyword.value, model)
        return "scoped" if self._scopes(model, keyword.arg, keyword.value) else "plain"

    def _scopes(self, model: ModelInfo | None, key: str, value: nodes.NodeNG) -> bool:
        """Whether the lookup `key=value` confines the rows to the caller's tenant."""
        if self.index.is_tenant_lookup(key):
            return not self._every_tenant(model, key, value)
        parts = _as_pk(model, key).split("__")
        # get(token=...): holding the secret is the authorisation; code__icontains=q is a guess at it
        secret = is_capability_field(parts[0]) or filled_with_secret(value, model.name if model else None, parts[0])
        if (secret and parts[1:] in ([], ["exact"], ["iexact"], ["in"])) or is_capability_value(value):
            return True
        if is_callers_own(value, self.index.caller_parameters) \
                or filled_with_caller(value, self.index.caller_data_keys):
            return True  # filter(email=request.user.email): the caller's own rows
        if len(parts) > 1 and is_the_caller(value):
            return True  # filter(team__members__user=request.user): rows the caller is a member of
        if parts[0] not in PK_KEYS and parts[1:] in ([], ["exact"]) and is_the_caller(value) \
                and (dotted_name(value) or "").rsplit(".", 1)[-1] in USER_OBJECTS:
            return True  # filter(author=request.user): the caller's own rows (a User only matches a relation)
        if is_identity_lookup(model.name if model else None, parts[0]):
            return True  # User.objects.filter(email=...): sign-in and sign-up look across tenants
        if parts[1:] in ([], ["exact"]) and _published(parts[0], value):
            return True  # status=AppStatus.PUBLISHED: the catalogue its owners published to every tenant
        if parts[-1] == "in" or parts[0] in ("pk", "id") or self._relation(model, parts[0]) is not None:
            chain = self.resolve(value)
            if chain is not None and (chain.scoped or (chain.parameter is not None and isinstance(value, nodes.Call))):
                return True  # id__in=<a scoped queryset>, or a queryset the caller passed in
        if parts[0] in ("uuid", "slug") and parts[1:] in ([], ["exact"]) and is_loaded_key(value):
            return True  # slug=request.session["team"]: a key the server kept, as it keeps an id
        if parts[0] in ("pk", "id"):
            return is_loaded_key(value) or _keys_of_held_rows(value) or (model is not None and names_checked_object(
                model.name, value, self.index.is_tenant_lookup)) \
                or vouched_data(value, self.index.is_tenant_lookup)  # the serializer's is_valid looked it up
        if self._relation(model, parts[0]) is not None and (parts[1:] in ([], ["in"], ["exact"], ["id"], ["pk"]) or (
                len(parts) > 1 and parts[-1].endswith("_id"))):  # owner_ticket__addon_to_id=position.pk
            return scopes_through_parent(value, self.index.is_tenant_lookup, self.index.caller_data_keys) \
                or key_of_a_checked_row(value, self)  # dataset_id=dataset_id, the dataset checked above
        if len(parts) > 1 and self._names_owned_model(parts):
            return scopes_through_parent(value, self.index.is_tenant_lookup, self.index.caller_data_keys)
        # household_id=self.household_id: a key the caller holds; target=knowledge.id: rows that
        # point at a row the code holds, through a column that is no foreign key;
        # actor_id__in=[team.actor_id for team in teams]: the same for each of the rows held
        return (parts[0].endswith("_id") or _key_of_a_held_row(value)) and parts[1:] in ([], ["exact"], ["in"]) \
            and is_loaded_key(value)

    def _names_owned_model(self, parts: list[str]) -> bool:
        """`project_issue_types__project_id`: a path through relations that ends on a tenant-owned
        model (by its snake-case name), compared with a parent the caller may hold."""
        tail = [p for p in parts if p not in ("in", "exact", "id", "pk")]
        name = tail[-1].removesuffix("_id") if tail else ""
        candidates = [m for m in self.index.models.values()
                      if "".join(f"_{c.lower()}" if c.isupper() else c for c in m.name).lstrip("_") == name]
        return any(m.is_tenant_scoped or m.is_tenant_bound for m in candidates)

    def _relation(self, model: ModelInfo | None, name: str):
        """The relation field `name` (or its `_id` attribute) when it leads to tenant-owned rows."""
        if model is None:
            return None
        field_info = model.fields.get(name) or (model.fields.get(name[:-3]) if name.endswith("_id") else None)
        if field_info is None or field_info.kind not in ("fk", "o2o", "m2m"):
            return None
        target_name = (field_info.target or "").rsplit(".", 1)[-1]
        if target_name in USER_MODELS:
            return field_info
        targets = self.index.models_named(target_name, ignore_case=True)
        if any(t.is_tenant_scoped or t.is_tenant_bound or t.name in self.index.tenant.models for t in targets):
            return field_info
        return None

    def _unpacked(self, value: nodes.NodeNG, model: ModelInfo | None) -> str:
        if _keyword_parameter(value):
            return "unknown"  # `get(**query)` of `def _get_from_mapping(**query)`: the callers' lookups
        inferred = safe_infer(value)
        if not isinstance(inferred, nodes.Dict):
            return "unknown"
        verdict = "plain"
        for key, item in inferred.items:
            if not isinstance(key, nodes.Const) or not isinstance(key.value, str):
                return "unknown"
            if self._scopes(model, key.value, item):
                verdict = "scoped"
        for key, item in _entries_set(value):
            if self._scopes(model, key, item):
                verdict = "scoped"
        return verdict

    def _shared_rows(self, node: nodes.NodeNG) -> bool:
        """`Q(space__isnull=True)`: rows of no tenant, shared by all by design."""
        if not (isinstance(node, nodes.Call) and (dotted_name(node.func) or "").endswith("Q")):
            return False
        keywords = node.keywords or ()
        return len(keywords) == 1 and keywords[0].arg is not None and keywords[0].arg.endswith("__isnull") \
            and self.index.is_tenant_lookup(keywords[0].arg.removesuffix("__isnull")) \
            and isinstance(keywords[0].value, nodes.Const) and keywords[0].value.value is True

    def _q(self, node: nodes.NodeNG, model: ModelInfo | None) -> str:
        """Q objects: `&` is scoped when either side is, `|` only when both are (or one is and
        the other admits only the shared rows of no tenant), `~` never."""
        if isinstance(node, nodes.BinOp) and node.op in ("&", "|"):
            left, right = self._q(node.left, model), self._q(node.right, model)
            if "unknown" in (left, right):
                return "unknown"
            if node.op == "&":  # Q(space__isnull=True) & Q(name=...): still only the shared rows
                return next((v for v in ("scoped", "shared") if v in (left, right)), "plain")
            return "scoped" if {left, right} <= {"scoped", "shared"} and "scoped" in (left, right) else "plain"
        if isinstance(node, nodes.UnaryOp):
            return "plain"
        if self._shared_rows(node):
            return "shared"
        if isinstance(node, nodes.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] == "Q":
            verdicts = [self._keyword(model, k) for k in node.keywords or ()]
            verdicts += [self._q(arg, model) for arg in node.args]
            if "unknown" in verdicts:
                return "unknown"
            return "scoped" if "scoped" in verdicts else "plain"
        if isinstance(node, nodes.Name):
            inferred = assigned_values(node)
            if isinstance(inferred, list):
                verdicts = {self._q(v, model) for v in inferred}
                return "scoped" if verdicts == {"scoped"} else ("unknown" if "unknown" in verdicts else "plain")
        return "unknown"


def _key_of_a_held_row(value: nodes.NodeNG) -> bool:
    """`knowledge.id`: the key of a row the code loaded into a variable."""
    return isinstance(value, nodes.Attribute) and value.attrname in ("id", "pk") \
        and isinstance(value.expr, nodes.Name) and value.expr.name not in ("self", "cls")


def _written_from_held_keys(item: nodes.NodeNG) -> bool:
    """`"grouplink.group_id IN ({})".format(", ".join(str(g.id) for g in groups))`: an `extra`
    condition, with no OR, whose every value is a key of rows the code holds, narrows to what
    those rows link to, as `filter(group__in=groups)` does."""
    if isinstance(item, nodes.Call) and isinstance(item.func, nodes.Attribute) and item.func.attrname == "format" \
            and isinstance(item.func.expr, nodes.Const) and isinstance(item.func.expr.value, str):
        text, values = item.func.expr.value, [*item.args, *(k.value for k in item.keywords or ())]
    elif isinstance(item, nodes.JoinedStr):
        text = "".join(str(v.value) for v in item.values if isinstance(v, nodes.Const))
        values = [v.value for v in item.values if isinstance(v, nodes.FormattedValue)]
    else:
        return False
    return bool(values) and not re.search(r"\bor\b", text, re.I) and all(_held_keys(v) for v in values)


def _held_keys(value: nodes.NodeNG) -> bool:
    """`", ".join(str(g.id) for g in groups)`, `group.id`: keys read from rows the code holds."""
    if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Attribute) and value.func.attrname == "join" \
            and len(value.args) == 1:
        value = value.args[0]
    return origin(value) is Origin.LOADED_KEY


def _published(field: str, value: nodes.NodeNG) -> bool:
    """`status=SentryAppStatus.PUBLISHED`, `state="published"`, `is_published=True`: rows their
    owners chose to publish to everyone (a marketplace, public templates). A flag such as
    `is_public` is left out: it may mean public within the tenant (its clients' portal)."""
    if isinstance(value, nodes.Const):
        if value.value is True:
            return "published" in words(field)
        return isinstance(value.value, str) and value.value.lower() == "published"
    return isinstance(value, nodes.Attribute) and value.attrname.lower() == "published"


def _dict_items(value: nodes.NodeNG) -> list[tuple[str, nodes.NodeNG]]:
    """The lookups a dict unpacked into a query holds: `{"id__in": projects}` and the entries
    set on it afterwards (see `_entries_set`)."""
    inferred = safe_infer(value)
    items = inferred.items if isinstance(inferred, nodes.Dict) else []
    written = [(key.value, item) for key, item in items if isinstance(key, nodes.Const) and isinstance(key.value, str)]
    return written + _entries_set(value)


def _entries_set(value: nodes.NodeNG) -> list[tuple[str, nodes.NodeNG]]:
    """`lookups["organization_id__in"] = organization_ids` before `filter(**lookups)`: entries
    set on the dict (astroid infers only its literal), where the setting always runs first or is
    guarded by a test of the value itself (`if organization_ids is not None:`), which narrows
    whenever the caller names the tenant, as `if self.group_id: qs = qs.filter(...)` does."""
    if not isinstance(value, nodes.Name):
        return []
    statement = value.statement()
    around = {id(node) for node in statement.node_ancestors()}
    entries = []
    for target in nodes_within(value.frame(), nodes.Subscript):
        assign = target.parent
        if not (isinstance(assign, nodes.Assign) and assign.targets == [target] and isinstance(target.value, nodes.Name)
                and target.value.name == value.name and isinstance(target.slice, nodes.Const)
                and isinstance(target.slice.value, str) and (assign.lineno or 0) < (statement.lineno or 0)):
            continue
        guard = assign.parent
        given = {name.name for name in assign.value.nodes_of_class(nodes.Name)}
        if id(guard) in around or (isinstance(guard, nodes.If) and assign in guard.body and id(guard.parent) in around
                                   and given & {name.name for name in guard.test.nodes_of_class(nodes.Name)}):
            entries.append((target.slice.value, assign.value))
    return entries


def _keyword_parameter(value: nodes.NodeNG) -> bool:
    """The `**kwargs` parameter of the function around: astroid infers it as an empty dict,
    whatever its callers pass."""
    if not isinstance(value, nodes.Name):
        return False
    function = value.scope()
    return isinstance(function, (nodes.FunctionDef, nodes.Lambda)) and function.args.kwarg == value.name \
        and not any(target.name == value.name for target in nodes_within(function, nodes.AssignName))


def _scopes_disabled(node: nodes.NodeNG) -> bool:
    """Inside `with scopes_disabled():` or under `@scopes_disabled()` django-scopes adds no filter;
    nor anywhere in a view whose `dispatch` runs that way (`@method_decorator(scopes_disabled(),
    "dispatch")` on the class, or a `dispatch` that calls on inside the block)."""
    current = node.parent
    while current is not None:
        if isinstance(current, nodes.With) and any(_disables_scopes(item) for item, _ in current.items):
            return True
        if isinstance(current, nodes.FunctionDef) and any(
                _disables_scopes(d) for d in (current.decorators.nodes if current.decorators else ())):
            return True
        if isinstance(current, nodes.ClassDef) and _dispatches_unscoped(current):
            return True
        current = current.parent
    return False


def _disables_scopes(node: nodes.NodeNG) -> bool:
    return "scopes_disabled" in (dotted_name(node.func if isinstance(node, nodes.Call) else node) or "")


def _dispatches_unscoped(view: nodes.ClassDef) -> bool:
    for decorator in view.decorators.nodes if view.decorators else ():
        if isinstance(decorator, nodes.Call) and (dotted_name(decorator.func) or "").endswith("method_decorator") \
                and decorator.args and _disables_scopes(decorator.args[0]):
            return True
    dispatch = next((s for s in view.body if isinstance(s, nodes.FunctionDef) and s.name == "dispatch"), None)
    return dispatch is not None and any(
        isinstance(block, nodes.With) and any(_disables_scopes(item) for item, _ in block.items)
        for block in nodes_within(dispatch, nodes.With))


def _names_field(node: nodes.NodeNG, field_name: str) -> bool:
    """`attrs["project"]`, `data.get("project")` or a variable `project`."""
    if isinstance(node, nodes.Name):
        return node.name == field_name
    return any(isinstance(c, nodes.Const) and c.value == field_name for c in node.nodes_of_class(nodes.Const))


# Filter backends from packages outside the scan that keep only the rows the user may see.
USER_SCOPED_BACKENDS = frozenset({"DjangoObjectPermissionsFilter", "ObjectPermissionsFilter"})


def _filter_backends(classes: list[nodes.ClassDef]) -> list[nodes.NodeNG] | None:
    """The entries of the nearest `filter_backends = (...)` in the view's class hierarchy; None
    where no class of it declares one."""
    for klass in classes:
        for statement in klass.body:
            if isinstance(statement, nodes.Assign) and any(
                    isinstance(t, nodes.AssignName) and t.name == "filter_backends" for t in statement.targets):
                value = statement.value
                return list(value.elts) if isinstance(value, (nodes.Tuple, nodes.List)) else [value]
    return None


def _class_at(path: str) -> nodes.ClassDef | None:
    """The project's class a settings string names (`utils.filters.OrganizationFilterBackend`),
    read from source like any import; None for a package's or one not found."""
    module_name, _, name = path.rpartition(".")
    try:
        module = astroid.MANAGER.ast_from_module_name(module_name)
    except (astroid.AstroidError, RecursionError):
        return None
    found = module.locals.get(name, [])
    return found[0] if found and isinstance(found[0], nodes.ClassDef) else None


def _backend_scopes_by_caller(klass: nodes.ClassDef, is_tenant_lookup: Callable[[str], bool],
                              words: set[str]) -> bool:
    """A DRF filter backend whose `filter_queryset` narrows by the requesting user or the tenant
    (taiga's `PermissionBasedFilterBackend` keeps the projects the user is a member of), or that
    is named for the tenant (`OrganizationFilterBackend`, which finds its lookup at run time).
    DRF applies the backends to the list and to `get_object`, so the class queryset is not
    served bare. Stock backends (search, ordering, django-filter) narrow by what the client asks for."""
    hierarchy = [klass]
    with contextlib.suppress(astroid.InferenceError, RecursionError):
        hierarchy += list(klass.ancestors())
    for candidate in hierarchy:
        if candidate.name in USER_SCOPED_BACKENDS:
            return True
        method = next((m for m in candidate.mymethods() if m.name == "filter_queryset"), None)
        if method is None:
            continue
        if names_the_tenant(candidate.name, words):
            return True
        for node in nodes_within(method, (nodes.Attribute, nodes.Keyword)):
            if isinstance(node, nodes.Attribute) and node.attrname == "user" \
                    and dotted_name(node.expr) in ("request", "self.request"):
                return True
            if isinstance(node, nodes.Keyword) and node.arg and is_tenant_lookup(node.arg):
                return True
    return False


LISTING_BASES = ("List", "ModelViewSet", "ReadOnlyModelViewSet")


def _served_by_secret(cls: nodes.ClassDef) -> bool:
    """`lookup_field = "token"` on a view that does not list: each row is served only to whoever
    holds its secret (an invitation token, a share key), which is the check."""
    lookup = next((s.value for s in cls.body if isinstance(s, nodes.Assign) and any(
        isinstance(t, nodes.AssignName) and t.name == "lookup_field" for t in s.targets)), None)
    if not (isinstance(lookup, nodes.Const) and isinstance(lookup.value, str)
            and is_capability_field(lookup.value, strict=True)):
        return False
    listing = next((m for m in cls.mymethods() if m.name == "list"), None)
    if listing is not None:
        return all(isinstance(s, (nodes.Raise, nodes.Expr)) for s in listing.body) \
            and any(isinstance(s, nodes.Raise) for s in listing.body)
    return not any(word in (dotted_name(b) or "") for b in cls.bases for word in LISTING_BASES)


def _only_narrows_super(method: nodes.FunctionDef) -> bool:
    """A get_queryset that starts from `super().get_queryset()` and from nothing else of the
    class's (`self.queryset`, `self.model`)."""
    starts = [c for c in nodes_within(method, nodes.Call) if isinstance(c.func, nodes.Attribute)
              and c.func.attrname == "get_queryset" and isinstance(c.func.expr, nodes.Call)
              and getattr(c.func.expr.func, "name", None) == "super"]
    return bool(starts) and not any(isinstance(a, nodes.Attribute) and a.attrname in ("queryset", "model")
                                    and _is_self_or_super(a.expr) for a in nodes_within(method, nodes.Attribute))


def _uses_base_queryset(method: nodes.FunctionDef) -> bool:
    """Whether get_queryset starts from the class's `queryset` (self.queryset, super())."""
    for node in nodes_within(method, (nodes.Attribute, nodes.Call)):
        if isinstance(node, nodes.Attribute) and node.attrname in ("queryset", "model") \
                and _is_self_or_super(node.expr):
            return True
        if isinstance(node, nodes.Call) and getattr(node.func, "name", None) == "super":
            return True
    return False


def _keys_of_held_rows(value: nodes.NodeNG) -> bool:
    """`id__in=self.teams.values_list("limit_events__id", flat=True)`: keys reached through a
    relation of an object the code holds (a model method's `self`, a row loaded before), not
    keys anyone sent."""
    if isinstance(value, nodes.Name):
        values = assigned_values(value)
        value = values[0] if isinstance(values, list) and len(values) == 1 else value
    if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Name) and value.func.name in COLLECTING \
            and len(value.args) == 1:
        value = value.args[0]  # list(view.labels.values_list("id", flat=True))
    base = value
    while isinstance(base, nodes.Call) and isinstance(base.func, nodes.Attribute) \
            and base.func.attrname in ("values_list", "values", "filter", "exclude", "all", "order_by", "distinct"):
        base = base.func.expr
    if base is value or not isinstance(base, nodes.Attribute) or base.attrname in ("queryset", *DEFAULT_MANAGERS):
        return False  # `self.queryset.values_list("id")`: the view's rows, judged where declared
    return origin(base.expr) in (Origin.OBJECT, Origin.CALLER)  # `self.teams`, `request.user.teams`


def _is_self_or_super(node: nodes.NodeNG) -> bool:
    if isinstance(node, nodes.Name):
        return node.name == "self"
    return isinstance(node, nodes.Call) and getattr(node.func, "name", None) == "super"
