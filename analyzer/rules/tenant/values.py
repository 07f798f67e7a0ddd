"""Where a value in a query filter comes from, which decides whether the filter scopes the rows.

`filter(project=project)` and `filter(project_id=task.project_id)` narrow the rows to an
object the caller already holds; `filter(project_id=project_id)` with `project_id` from the
URL narrows them to a parent the view's permissions have checked; `filter(project_id=
request.GET["project"])` narrows them to whatever the client sent. The same reading serves
Django keyword lookups and SQLAlchemy comparisons.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from astroid import nodes

from ...index.callers import USER_OBJECTS, unconverted
from ...index.handlers import function_key, in_request, sent_in_body
from ...lang.python import dotted_name, last_name, module_memo, nodes_within, safe_infer
from ...lang.words import is_key_name, words
from .chains import COLLECTING, assigned_values, holds_rows_of_a_query
from .serializer_checks import rows_a_field_validator_returned, vouched_data

# Containers of what the client sent: a key read from them is not a key of a loaded object.
REQUEST_DATA = frozenset({
    "GET", "POST", "data", "query_params", "json", "args", "form", "files", "body", "payload", "params",
    "validated_data", "cleaned_data", "initial_data", "values", "headers", "cookies", "META", "path_params",
})
# Relations to these are owned by the caller: `filter(created_by=request.user)` scopes the rows.
USER_MODELS = frozenset({"User", "AUTH_USER_MODEL", "CustomUser", "Member", "Membership", "Profile", "UserProfile"})
URL_KWARGS = frozenset({"kwargs", "view_args"})
# Values a view hands to its serializer (`self.context["project_id"]`), checked by the view.
VIEW_CONTEXT = frozenset({"context"})
# Lookups on these fields are capabilities (possession of the secret is the authorisation).
CAPABILITY_WORDS = ("token", "secret", "hash", "api_key", "apikey", "nonce", "signature", "invite_code",
                    "share_code", "anchor", "otp")


class Origin(Enum):
    CONSTANT = "constant"
    REQUEST = "request"  # sent by the client in the query string or body
    URL = "url"  # a view parameter or URL keyword, checked by the view's permissions
    LOADED_KEY = "loaded-key"  # `obj.pk`, `task.project_id`, `request.user.id`
    CALLER = "caller"  # an attribute of the authenticated user: `request.user.email`
    OBJECT = "object"  # a model instance or other object the caller holds
    UNKNOWN = "unknown"


TOKEN_WORDS = frozenset({"jwt", "jws", "token", "claims"})
TOKEN_LIBRARIES = frozenset({"jwt", "jws", "jose", "pyjwt", "jwcrypto"})


def _verifies_a_token(func: nodes.NodeNG) -> bool:
    """`jwt.decode`, `decode_access_token`, `auth.verify_id_token`: what they return was signed
    by the server for whoever holds it, not made up by the client. Not `token.decode("utf-8")`,
    which only turns the client's bytes into text, and not `jwt.get_unverified_claims` (reading
    claims unverified is AUTH006's business)."""
    said = set(words(last_name(func)))
    if not ({"decode", "verify"} & said) or "unverified" in said:
        return False
    receiver = words(dotted_name(func.expr) or "") if isinstance(func, nodes.Attribute) else []
    return bool(TOKEN_WORDS & said) or bool(TOKEN_LIBRARIES & set(receiver))


def _reads_request_data(node: nodes.NodeNG) -> bool:
    parts = (dotted_name(node) or "").split(".")
    if isinstance(node, nodes.Name) and (_serialized_output(node) or _keyword_arguments(node)):
        return False
    if _saved_serializer_data(node, parts):
        return False
    return any(part in REQUEST_DATA for part in parts)


def _saved_serializer_data(node: nodes.NodeNG, parts: list[str]) -> bool:
    """`serializer.data` after `serializer.save(...)`: the row the server just wrote, serialized
    back (its new `id` among it), not what the client sent."""
    if len(parts) < 2 or parts[1] != "data" or parts[0] in ("request", "self"):
        return False
    return any(isinstance(call.func, nodes.Attribute) and call.func.attrname == "save"
               and dotted_name(call.func.expr) == parts[0] and (call.lineno or 0) < (node.lineno or 0)
               for call in nodes_within(node.frame(), nodes.Call))


def _keyword_arguments(name: nodes.Name) -> bool:
    """`values` of `def before_create(self, user, **values)`: whatever the callers pass by name,
    often objects they loaded, not the client's data the name suggests."""
    function = name.scope()
    return isinstance(function, (nodes.FunctionDef, nodes.Lambda)) and function.args.kwarg == name.name


def _serialized_output(name: nodes.Name) -> bool:
    """`data = super().to_representation(instance)`: what a serializer sends back, its instance's
    own values, not what the client sent, whatever the variable is called."""
    values = assigned_values(name)
    return isinstance(values, list) and bool(values) and all(
        isinstance(v, nodes.Call) and isinstance(v.func, nodes.Attribute) and v.func.attrname == "to_representation"
        for v in values)


ORIGIN_DEPTH = 6  # assignments and loops followed back: `for image in images` of `validated_data.pop(...)`


def origin(value: nodes.NodeNG, depth: int = 0) -> Origin:
    if isinstance(value, nodes.Const):
        return Origin.CONSTANT
    if isinstance(value, (nodes.List, nodes.Tuple, nodes.Set)) and value.elts and depth < ORIGIN_DEPTH:
        found = {origin(element, depth + 1) for element in value.elts}
        return found.pop() if len(found) == 1 else Origin.UNKNOWN  # [note_id]: keys from wherever they all come
    if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Attribute) and not value.args \
            and value.func.attrname in ("keys", "values") and depth < ORIGIN_DEPTH:
        return origin(value.func.expr, depth + 1)  # by_event.keys(): of wherever the dict came from
    if isinstance(value, (nodes.ListComp, nodes.SetComp, nodes.GeneratorExp, nodes.DictComp)) \
            and depth < ORIGIN_DEPTH:
        # `[e["us_id"] for e in bulk_data]`: the keys come from wherever the iterated values do.
        iterated = value.generators[0].iter
        if holds_rows_of_a_query(iterated):
            return Origin.LOADED_KEY  # {page.menu_id: page for page in Page.objects.filter(...)}
        found = origin(iterated, depth + 1)
        return Origin.LOADED_KEY if found is Origin.OBJECT else found
    if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Name) and value.func.name in COLLECTING \
            and len(value.args) == 1 and depth < ORIGIN_DEPTH:
        return origin(value.args[0], depth + 1)  # set(m.id for m in members): keys of what is gathered
    if isinstance(value, nodes.BinOp) and value.op in ("-", "&") and depth < ORIGIN_DEPTH:
        return origin(value.left, depth + 1)  # ids - mine: a part of the left-hand keys
    if isinstance(value, (nodes.Subscript, nodes.Call)):
        container = value.value if isinstance(value, nodes.Subscript) else value.func
        if rows_a_field_validator_returned(value):
            return Origin.OBJECT  # attrs["teams"] in `validate`, as `validate_teams` loaded them
        looked_up = isinstance(value, nodes.Subscript)
        if isinstance(container, nodes.Attribute) and container.attrname in ("get", "getlist", "pop"):
            # `info_data.get("gift_card")` reads a mapping; `Menu.objects.get(pk=pk)` runs a query
            looked_up = bool(value.args) and isinstance(value.args[0], nodes.Const)
            container = container.expr
        parts = (dotted_name(container) or "").split(".")
        if parts and parts[-1] in URL_KWARGS:
            return Origin.URL
        if parts and parts[-1] in VIEW_CONTEXT:
            return Origin.LOADED_KEY
        if isinstance(container, nodes.Name) and depth < ORIGIN_DEPTH and assigned_values(container) != "parameter" \
                and origin(container, depth + 1) is Origin.CALLER:
            return Origin.CALLER  # payload["sub"] of `payload = jwt.decode(...)`, whatever the name says
        if _reads_request_data(container):
            return Origin.REQUEST
        if isinstance(value, nodes.Call) and _verifies_a_token(value.func):
            return Origin.CALLER  # jwt.decode(token, KEY, ...): claims the server signed for the caller
        if isinstance(container, nodes.Name) and depth < ORIGIN_DEPTH:
            found = origin(container, depth + 1)
            if found is Origin.REQUEST:
                return Origin.REQUEST  # entry["id"], entry.pop("id") of an entry the client sent
            if found is Origin.CALLER:
                return Origin.CALLER  # claims["sub"] of a verified token
        if isinstance(value, nodes.Call) and unconverted(value) is not value:
            return origin(value.args[0], depth + 1) if value.args else Origin.UNKNOWN
        if isinstance(value, nodes.Call) and any(
                (dotted_name(arg) or "").split(".")[-1] in USER_OBJECTS for arg in value.args):
            return Origin.CALLER  # get_customer_id(auth_subject): derived from the authenticated caller
        if isinstance(value, nodes.Call) and getattr(value.func, "name", None) == "getattr" and len(value.args) >= 2 \
                and isinstance(value.args[1], nodes.Const) and is_key_name(str(value.args[1].value)):
            return Origin.LOADED_KEY  # getattr(instance, "id", None)
        if looked_up and _stored_in_an_object(container, depth):
            return Origin.LOADED_KEY  # refund.info_data.get("gift_card"): a key a row the code holds keeps
        return Origin.UNKNOWN
    if isinstance(value, nodes.Attribute):
        if _reads_request_data(value):
            return Origin.REQUEST
        overwritten = _set_before(value)
        if overwritten is not None and depth < ORIGIN_DEPTH:
            return origin(overwritten, depth + 1)  # report = form.save(); report.project_id = key.project_id
        if isinstance(value.expr, nodes.Name) and depth < ORIGIN_DEPTH \
                and origin(value.expr, depth + 1) is Origin.REQUEST:
            return Origin.REQUEST  # tag.id for each tag in body.tags: an id the client sent
        if is_key_name(value.attrname):
            return Origin.LOADED_KEY
        owner = (dotted_name(value.expr) or "").rsplit(".", 1)[-1]
        return Origin.CALLER if owner in USER_OBJECTS else Origin.OBJECT
    if isinstance(value, nodes.Name):
        values = assigned_values(value)
        iterated = _loop_iterable(value)
        found = origin(iterated, depth + 1) if iterated is not None and depth < ORIGIN_DEPTH else None
        if found is Origin.REQUEST:
            return Origin.REQUEST  # for entry in validated_data["items"]: each entry the client sent
        if found is Origin.URL and is_key_name(value.name) and isinstance(iterated, nodes.Name) \
                and assigned_values(iterated) == "parameter":
            return Origin.URL  # for document_id in document_ids: each key the caller handed over
        if values == "parameter":
            if is_key_name(value.name) or value.name in ("slug", "key"):
                return Origin.URL
            function = value.frame()
            if isinstance(function, nodes.FunctionDef) and sent_in_body(function, value.name):
                return Origin.REQUEST  # body: NotebookCreate, the JSON the client sent
            return Origin.OBJECT
        if isinstance(values, list) and len(values) == 1 and depth < ORIGIN_DEPTH:
            found = origin(values[0], depth + 1)
            if found is not Origin.UNKNOWN:
                return found
        return Origin.UNKNOWN if is_key_name(value.name) else Origin.OBJECT
    return Origin.UNKNOWN


def _stored_in_an_object(container: nodes.NodeNG, depth: int) -> bool:
    """`refund.info_data`, a mapping kept in a field of an object the code holds (not the
    request's data, which `origin` has ruled out): what it maps to was stored with the row, as
    `refund.gift_card_id` would be, not sent with this request."""
    return isinstance(container, nodes.Attribute) and not is_key_name(container.attrname) \
        and isinstance(container.expr, nodes.Name) and container.expr.name not in ("self", "cls") \
        and depth < ORIGIN_DEPTH and origin(container, depth + 1) is Origin.OBJECT


def _set_before(attribute: nodes.Attribute) -> nodes.NodeNG | None:
    """The value last given to `obj.attr` in the function before `attribute` reads it, by an
    assignment that always runs first (in a block around the read, not in a branch beside it)."""
    if not isinstance(attribute.expr, nodes.Name):
        return None
    name, statement = attribute.expr.name, attribute.statement()
    around = {id(node) for node in statement.node_ancestors()}
    assigns = [target.parent for target in nodes_within(attribute.frame(), nodes.AssignAttr)
               if target.attrname == attribute.attrname and isinstance(target.expr, nodes.Name)
               and target.expr.name == name and isinstance(target.parent, nodes.Assign)
               and target.parent.targets == [target] and (target.parent.lineno or 0) < (statement.lineno or 0)
               and id(target.parent.parent) in around]
    return max(assigns, key=lambda assign: assign.lineno or 0).value if assigns else None


# Where a request carries what the client sent: its body, or its query string.
SENT_IN = {**dict.fromkeys(("data", "POST", "json", "form", "body", "payload"), "body"),
           **dict.fromkeys(("GET", "query_params", "args"), "query")}


def sent_key(value: nodes.NodeNG, depth: int = 0) -> str | None:
    """`body:environment` for `request.data.get("environment")`, `query:environment` for
    `request.GET["environment"]`, or for a variable assigned one (through `int(...)`): where, and
    under which key, the client sent the value as it is (not after a serializer's validation)."""
    if isinstance(value, nodes.Name) and depth < ORIGIN_DEPTH:
        values = assigned_values(value)  # `ids = []` then `ids = request.data.get("ids")`: the latter
        values = [v for v in values if not _empty_literal(v)] if isinstance(values, list) else []
        return sent_key(values[0], depth + 1) if len(values) == 1 else None
    if isinstance(value, nodes.Call) and unconverted(value) is not value and value.args:
        return sent_key(value.args[0], depth + 1)
    if isinstance(value, nodes.Subscript):
        container, key = value.value, value.slice
    elif isinstance(value, nodes.Call) and isinstance(value.func, nodes.Attribute) \
            and value.func.attrname in ("get", "getlist", "pop") and value.args:
        container, key = value.func.expr, value.args[0]
    else:
        return None
    if isinstance(container, nodes.Name):  # params = request.data; params.get("tags")
        values = assigned_values(container)
        container = values[0] if isinstance(values, list) and len(values) == 1 else container
    place = SENT_IN.get((dotted_name(container) or "").rsplit(".", 1)[-1])
    if place and isinstance(key, nodes.Const) and isinstance(key.value, str) and _reads_request_data(container):
        return f"{place}:{key.value}"
    return None


def _empty_literal(value: nodes.NodeNG) -> bool:
    if isinstance(value, nodes.Const):
        return not value.value
    if isinstance(value, nodes.Dict):
        return not value.items
    return isinstance(value, (nodes.List, nodes.Tuple, nodes.Set)) and not value.elts


def _loop_iterable(name: nodes.Name) -> nodes.NodeNG | None:
    """What `for entry in items:` iterates, for the loop variable `entry`."""
    try:
        _, assignments = name.lookup(name.name)
    except Exception:  # astroid lookups can fail on broken code
        return None
    if len(assignments) == 1 and isinstance(assignments[0].parent, nodes.For) \
            and assignments[0].parent.target is assignments[0]:
        return assignments[0].parent.iter
    return None


def scopes_through_parent(value: nodes.NodeNG, is_tenant_lookup: Callable[[str], bool],
                          caller_data: frozenset[str] = frozenset()) -> bool:
    """A filter on a relation to a tenant-owned parent scopes the rows when the parent is one the
    caller holds, or one named in the URL that the view has checked; never one named by request
    data, unless the serializer holding that data vouches for it (see `serializer_checks`)."""
    value = unconverted(value)
    found = origin(value)
    if found in (Origin.OBJECT, Origin.LOADED_KEY, Origin.CALLER):
        return True
    if found is Origin.URL and isinstance(value, nodes.Name) and not in_request(value) \
            and not _takes_the_tenant(value, is_tenant_lookup):
        return True  # a parameter of a service or repository: its caller chose the parent
    if found is Origin.REQUEST:
        return sent_but_checked(value, is_tenant_lookup, caller_data)
    return found is Origin.URL and url_value_checked(value, is_tenant_lookup)


def sent_but_checked(value: nodes.NodeNG, is_tenant_lookup: Callable[[str], bool],
                     caller_data: frozenset[str] = frozenset()) -> bool:
    """A key the client sent that was checked within the tenant on its way in: vouched for by
    the serializer holding it (see `serializer_checks`), or found among the tenant's rows by a
    lookup that raises when it is not there, earlier in the function."""
    function = value.frame()
    return vouched_data(value, is_tenant_lookup, caller_data) or (
        isinstance(function, nodes.FunctionDef) and looked_up_with_the_tenant(
            value, function, is_tenant_lookup, before=True))


def _takes_the_tenant(node: nodes.NodeNG, is_tenant_lookup: Callable[[str], bool]) -> bool:
    """A helper given the tenant (`def balance(session, tenant_id, customer_id)`) is expected to
    scope its own queries: its other parameters are not vouched for by the caller."""
    function = node.frame()
    if not isinstance(function, nodes.FunctionDef):
        return False
    names = [a.name for a in (function.args.args or []) + (function.args.kwonlyargs or [])]
    return any(is_tenant_lookup(name) for name in names)


# Decorators that authenticate, route or run the function but check nothing about the objects
# in the URL.
PLAIN_DECORATORS = frozenset({
    "login_required", "require_http_methods", "require_GET", "require_POST", "require_safe", "csrf_exempt",
    "csrf_protect", "api_view", "action", "atomic", "never_cache", "cache_page", "method_decorator",
    "staticmethod", "classmethod", "property", "cached_property", "vary_on_headers", "vary_on_cookie",
    "permission_classes", "authentication_classes", "throttle_classes", "renderer_classes", "parser_classes",
    "route", "get", "post", "put", "patch", "delete", "xframe_options_exempt", "sensitive_post_parameters",
    # a Celery task's, and the standard library's: they run the function, and check nothing
    "shared_task", "task", "periodic_task", "lru_cache", "cache", "wraps", "contextmanager",
    "asynccontextmanager", "override", "overload", "abstractmethod",
})
PLAIN_PERMISSIONS = frozenset({"IsAuthenticated", "AllowAny", "IsAuthenticatedOrReadOnly", "IsAdminUser"})


def url_value_checked(value: nodes.NodeNG, is_tenant_lookup: Callable[[str], bool]) -> bool:
    """Whether the view checks the object a URL value names: a permission decorator or class
    beyond plain authentication, or a tenant-scoped query on the same value in the function."""
    function = value.scope()
    while function is not None and not isinstance(function, nodes.FunctionDef):
        function = function.parent.scope() if function.parent is not None else None
    if function is None:
        return False
    for decorator in function.decorators.nodes if function.decorators else ():
        target = decorator.func if isinstance(decorator, nodes.Call) else decorator
        if (dotted_name(target) or "").rsplit(".", 1)[-1] not in PLAIN_DECORATORS:
            return True
    owner = function.parent
    if isinstance(owner, nodes.ClassDef):
        for statement in owner.body:
            if isinstance(statement, nodes.Assign) and any(
                    isinstance(t, nodes.AssignName) and t.name == "permission_classes" for t in statement.targets):
                named = [n for n in statement.value.nodes_of_class((nodes.Name, nodes.Attribute))
                         if (dotted_name(n) or "").rsplit(".", 1)[-1] not in PLAIN_PERMISSIONS]
                if any(_may_check_the_url(n) for n in named):
                    return True
    return looked_up_with_the_tenant(value, function, is_tenant_lookup)


# Lookups of one row that raise when it is not there: finding it is verifying it.
VERIFYING_LOOKUPS = frozenset({"get", "aget", "get_object_or_404", "aget_object_or_404"})


def looked_up_with_the_tenant(value: nodes.NodeNG, function: nodes.FunctionDef,
                              is_tenant_lookup: Callable[[str], bool], before: bool = False) -> bool:
    """`ImportFile.objects.get(pk=import_file_id, import_record__organization_id=org_id)`: the
    function looks the same key up together with the tenant. With `before`, only a lookup of one
    row that raises when it is missing, before the value is used, counts: `filter(pk__in=ids,
    organization=...)` keeps the tenant's rows and says nothing of the other ids."""
    text = value.as_string()
    for call in nodes_within(function, nodes.Call):
        if before and ((call.lineno or 0) >= (value.lineno or 0) or last_name(call.func) not in VERIFYING_LOOKUPS):
            continue
        keywords = call.keywords or ()
        if any(k.arg and is_tenant_lookup(k.arg) for k in keywords) and any(
                k.value.as_string() == text for k in keywords if k.value is not value):
            return True
    return False


# DRF's own permission classes that never look at the URL's objects before the view runs.
OBJECT_ONLY_BASES = frozenset({"BasePermission", "DjangoModelPermissions", "DjangoObjectPermissions",
                               "DjangoModelPermissionsOrAnonReadOnly", "object"}) | PLAIN_PERMISSIONS


def _may_check_the_url(permission: nodes.NodeNG) -> bool:
    """Whether a view's permission class may check the URL's object before a handler looks it
    up. DRF runs `has_object_permission` only inside `get_object()`, so a class of the project
    whose `has_permission` (its own or inherited) reads nothing of the view that may come from
    the URL, and hands the view to no helper, cannot vouch for `Member.objects.get(pk=kwargs["pk"])`
    written in `destroy()`. A class that cannot be read (an installed package's) is trusted."""
    cls = safe_infer(permission)
    if not isinstance(cls, nodes.ClassDef):
        return True
    classes = [cls, *cls.ancestors()]
    known = {c.name for c in classes}
    if any((dotted_name(b) or "").rsplit(".", 1)[-1] not in known | OBJECT_ONLY_BASES
           for c in classes for b in c.bases):
        return True  # a base that could not be read may check anything
    return any(_reads_the_url(method) for c in classes for method in c.mymethods() if method.name == "has_permission")


# What a view says about itself that has nothing to do with the objects its URL names.
VIEW_ATTRIBUTES = frozenset({"action", "basename", "detail", "suffix", "name", "description", "request", "format_kwarg",
                             "http_method_names", "serializer_class", "permission_classes", "throttle_scope"})


def _reads_the_url(method: nodes.FunctionDef) -> bool:
    """`view.kwargs["project_id"]`, `view.project_id` (a property over the kwargs),
    `request.parser_context`, or the view handed to a helper that may do the same."""
    parameters = [a.name for a in method.args.args or []]
    view = parameters[2] if len(parameters) > 2 else None
    for node in nodes_within(method, (nodes.Attribute, nodes.Call)):
        if isinstance(node, nodes.Attribute) and (node.attrname in ("kwargs", "parser_context") or (
                isinstance(node.expr, nodes.Name) and node.expr.name == view
                and node.attrname not in VIEW_ATTRIBUTES)):
            return True
        if isinstance(node, nodes.Call) and view is not None and not (
                isinstance(node.func, nodes.Attribute) and isinstance(node.func.expr, nodes.Call)
                and last_name(node.func.expr.func) == "super"):
            arguments = [*node.args, *(k.value for k in node.keywords or ())]
            if any(isinstance(a, nodes.Name) and a.name == view for a in arguments):
                return True
    return False


def is_loaded_key(value: nodes.NodeNG) -> bool:
    """A key read from an object already loaded: `obj.pk`, `task.project_id`, or any attribute
    of a loaded object (`board.entity_identifier`), unlike a value from request data."""
    found = origin(value)
    if found is Origin.LOADED_KEY:
        return True
    if found in (Origin.OBJECT, Origin.CALLER) and isinstance(value, nodes.Attribute):
        return True
    if isinstance(value, nodes.Name) and found is Origin.OBJECT:
        values = assigned_values(value)
        return isinstance(values, list) and len(values) == 1 and isinstance(values[0], nodes.Attribute)
    return False


def is_callers_own(value: nodes.NodeNG, caller_parameters: frozenset[str] = frozenset()) -> bool:
    """The caller's own identity, written out (`user.email`) or handed to a parameter that every
    call site fills with it (see `index.callers`)."""
    if origin(value) is Origin.CALLER:
        return True
    value = unconverted(value)
    if not caller_parameters or not isinstance(value, nodes.Name) or assigned_values(value) != "parameter":
        return False
    function = value.frame()
    return isinstance(function, nodes.FunctionDef) and f"{function_key(function)}#{value.name}" in caller_parameters


def is_the_caller(value: nodes.NodeNG) -> bool:
    """`request.user`, `user.id` (the authenticated user a route is given), `current_user.id`."""
    parts = (dotted_name(value) or "").split(".")
    if parts[0] in ("request", "self") and "user" in parts:
        return True
    return (parts[0] in USER_OBJECTS and len(parts) <= 2) or is_callers_own(value)


def is_capability_field(name: str | None, strict: bool = False) -> bool:
    """`token`, `api_key`, `secret_hash`, and for lookups also a bare `key` or `code` (not when
    `strict`: `point.key > other.key` compares an ordinal, not a secret)."""
    lowered = (name or "").lower()
    return any(word in lowered for word in CAPABILITY_WORDS) or (not strict and lowered in ("key", "code"))


IDENTITY_FIELDS = frozenset({"email", "username", "login", "email_address", "phone", "phone_number"})


def is_identity_lookup(model_name: str | None, field_name: str) -> bool:
    """A user (`User`, `StaffUser`, `TeamMember`) looked up by email or username: accounts are
    global identities, and sign-in, sign-up and invitations must find them whatever tenant they
    belong to. So is an OAuth client (`Client`, `Application`) looked up by its `client_id`: the
    authorization server issues client ids unique across it (RFC 6749, 2.2), and finds the client
    by it before it knows the tenant."""
    kind = (words(model_name or "") or [""])[-1]
    field = field_name.lower().split("__")[0]
    if kind in ("client", "application"):
        return field == "client_id"
    return (model_name in USER_MODELS or kind in ("user", "member")) and field in IDENTITY_FIELDS


def is_capability_value(value: nodes.NodeNG) -> bool:
    """`get(asset=asset_key)`, `get(url=share_token)`: the value is itself a secret, or was read
    from the claims of a token the caller presented, or was drawn at random by the code."""
    name = (dotted_name(value) or "").rsplit(".", 1)[-1].lower()
    return (bool(name) and (is_capability_field(name) or name.endswith("_key"))) or carried_by_token(value) \
        or drawn_at_random(value) or signed_by_the_server(value)


def signed_by_the_server(value: nodes.NodeNG) -> bool:
    """`artifact_id` after `if not verify_artifact_signature(artifact_id=artifact_id, sig=sig,
    ...): raise HTTPException(403)`: a key in a URL the server signed, which only someone it
    handed the URL to can present."""
    return isinstance(value, nodes.Name) and signature_verified(value.frame(), value.name, value.lineno or 0)


def signature_verified(function: nodes.NodeNG, name: str, before: int) -> bool:
    """Whether `function` refuses, before line `before`, a `name` whose signature does not
    verify: `if not verify_..._signature(name, ...): raise`, or the same with the verdict kept
    first (`result = verify_image_signature(upload_file_id=file_id, ...)`, `if not result:`)."""
    for branch in nodes_within(function, nodes.If):
        test = branch.test
        if not (isinstance(test, nodes.UnaryOp) and test.op == "not") or (branch.lineno or 0) >= before \
                or not any(isinstance(s, nodes.Raise) for s in branch.body):
            continue
        call = test.operand
        if isinstance(call, nodes.Name):
            kept = assigned_values(call)
            call = kept[0] if isinstance(kept, list) and len(kept) == 1 else None
        if not isinstance(call, nodes.Call):
            continue
        callee = (last_name(call.func) or "").lower()
        arguments = (*call.args, *(k.value for k in call.keywords or ()))
        if "verify" in callee and "sign" in callee \
                and any(isinstance(a, nodes.Name) and a.name == name for a in arguments):
            return True
    return False


# Where code draws values nobody chose: `secrets.token_hex()`, `uuid.uuid4()`, Django's `get_random_string()`.
RANDOM_MODULES = frozenset({"secrets", "random"})
RANDOM_FUNCTIONS = frozenset({"uuid4", "get_random_string", "token_hex", "token_urlsafe", "token_bytes", "urandom"})


def drawn_at_random(value: nodes.NodeNG) -> bool:
    """A value the code has just drawn at random (a fresh API-key prefix, a draft's title) and
    now looks for, to learn whether it is taken: it names no row a user chose, so the query
    answers for uniqueness and leaks nothing."""
    values = assigned_values(value) if isinstance(value, nodes.Name) else [value]
    if not isinstance(values, list) or len(values) != 1 or isinstance(values[0], (nodes.BoolOp, nodes.IfExp)):
        return False  # `body.get("code") or get_random_string()`: the client may choose it
    for call in nodes_within(values[0], nodes.Call):
        callee = (dotted_name(call.func) or "").split(".")
        if callee[0] in RANDOM_MODULES or callee[-1] in RANDOM_FUNCTIONS:
            return True
    return False


# What draws a secret: `secrets.token_urlsafe(32)`, Django's `get_random_string(40)`. Not uuid4():
# a random primary key is shown in URLs and lists, and no secret.
SECRET_FUNCTIONS = frozenset({"token_hex", "token_urlsafe", "token_bytes", "get_random_string", "urandom"})


def filled_with_secret(node: nodes.NodeNG, model_name: str | None, field: str) -> bool:
    """Whether the module around `node` fills the column `field` with a freshly drawn secret:
    `MCPOAuth(state=secrets.token_urlsafe(32), ...)`, `session.state = get_random_string(32)`.
    Looking the row up by that column is holding its capability, as an OAuth callback does with
    the `state` it handed the provider, whoever the caller."""
    if field in ("id", "pk", "uuid"):
        return False
    memo = module_memo(node.root())
    filled = memo.get("secret_columns")
    if filled is None:
        filled = memo["secret_columns"] = _secret_columns(node.root())
    return (model_name, field) in filled or (None, field) in filled


def _secret_columns(module: nodes.Module) -> frozenset[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for call in nodes_within(module, nodes.Call):
        cls = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        found |= {(cls, k.arg) for k in call.keywords or () if k.arg and _draws_a_secret(k.value)}
    for assign in nodes_within(module, nodes.Assign):
        if _draws_a_secret(assign.value):
            found |= {(None, t.attrname) for t in assign.targets if isinstance(t, nodes.AssignAttr)}
    return frozenset(found)


def _draws_a_secret(value: nodes.NodeNG) -> bool:
    return any((callee := (dotted_name(call.func) or "").split("."))[0] == "secrets"
               or callee[-1] in SECRET_FUNCTIONS for call in nodes_within(value, nodes.Call))


TOKEN_READERS = frozenset({"decode", "verify", "claims", "unverified"})


def carried_by_token(value: nodes.NodeNG, depth: int = 0) -> bool:
    """`claims["sub"]`, `str(unverified_claims.get("iss", ""))`, `jwt.decode(token, key)["org"]`:
    finding the row a token names (its issuer, its subject) is how the caller is identified, as in
    an OIDC token exchange; the token's signature, not a tenant filter, guards it."""
    if depth > 6:
        return False
    if isinstance(value, nodes.Subscript):
        return carried_by_token(value.value, depth + 1)
    if isinstance(value, nodes.JoinedStr):  # f"ci:{claims['sub']}"
        holes = [v.value for v in value.values if isinstance(v, nodes.FormattedValue)]
        return bool(holes) and all(carried_by_token(hole, depth + 1) for hole in holes)
    if isinstance(value, nodes.Attribute):
        return "claims" in words(value.attrname)
    if isinstance(value, nodes.Call):
        callee = dotted_name(value.func) or ""
        last = callee.rsplit(".", 1)[-1]
        if last in ("str", "int", "UUID") and value.args:
            return carried_by_token(value.args[0], depth + 1)
        if last == "get" and isinstance(value.func, nodes.Attribute):
            return carried_by_token(value.func.expr, depth + 1)
        found = set(words(callee.replace(".", "_")))
        return bool({"jwt", "token", "claims"} & found) and bool(TOKEN_READERS & found)
    if isinstance(value, nodes.Name):
        if "claims" in words(value.name):
            return True
        values = assigned_values(value)
        return isinstance(values, list) and len(values) == 1 and carried_by_token(values[0], depth + 1)
    return False


def names_checked_object(model_name: str, value: nodes.NodeNG, is_tenant_lookup: Callable[[str], bool]) -> bool:
    """`Project.objects.get(pk=project_id)` in a view whose permissions check the URL: the URL
    value is named after the model and is the outermost id of the route, so it is the object
    the permission check is about. In `/projects/<project_id>/points/<point_id>` the permission
    vouches for the project, not for the point."""
    if origin(value) is not Origin.URL:
        return False
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in model_name).lstrip("_")
    key = _url_key(value)
    own = key in ("pk", "id", "slug") and _view_model(value) == model_name  # a detail view's own object
    if key not in (f"{snake}_id", f"{snake}_pk", f"{snake}_slug") and not own:
        return False
    if isinstance(value, nodes.Name) and not _outermost_id_parameter(value):
        return False
    return url_value_checked(value, is_tenant_lookup)


def _view_model(value: nodes.NodeNG) -> str | None:
    """The model a view class declares it serves: `model = Project` or `queryset = Project.objects...`."""
    cls = value.scope()
    while cls is not None and not isinstance(cls, nodes.ClassDef):
        cls = cls.parent.scope() if cls.parent is not None else None
    if cls is None:
        return None
    for statement in cls.body:
        if isinstance(statement, nodes.Assign) and any(
                isinstance(t, nodes.AssignName) and t.name in ("model", "queryset") for t in statement.targets):
            node = statement.value
            while isinstance(node, (nodes.Call, nodes.Attribute)):
                node = node.func if isinstance(node, nodes.Call) else node.expr
            return node.name if isinstance(node, nodes.Name) else None
    return None


def _outermost_id_parameter(value: nodes.Name) -> bool:
    function = value.scope()
    while isinstance(function, nodes.ComprehensionScope) and function.parent is not None:
        function = function.parent.scope()  # [self.save_cover(asset, project_id) for asset in assets]
    if not isinstance(function, nodes.FunctionDef):
        return False
    ids = [a.name for a in function.args.args or [] if is_key_name(a.name)]
    return bool(ids) and ids[0] == value.name


def _url_key(value: nodes.NodeNG) -> str | None:
    """`project_id` for a parameter `project_id`, `self.kwargs["project_id"]` or `kwargs.get("project_id")`."""
    if isinstance(value, nodes.Name):
        return value.name
    key = value.slice if isinstance(value, nodes.Subscript) else (value.args[0] if isinstance(
        value, nodes.Call) and value.args else None)
    return key.value if isinstance(key, nodes.Const) and isinstance(key.value, str) else None


# Words of a name that holds a number or a collection of tenants, not one: `workspace_count`.
MANY_WORDS = frozenset({"count", "counts", "total", "totals", "num", "number", "ids", "list", "set", "map"})


def _names_one_tenant(name: str, tenant_words: set[str]) -> bool:
    said = set(words(name))
    return bool(tenant_words & said) and not said & MANY_WORDS


def _tenant_of_each_row(bound: nodes.NodeNG) -> bool:
    """`org = doc.organization` for each `doc` a loop goes through: the tenant of each row in
    turn, as a sweep across tenants reads it, not one tenant the code acts for."""
    assign = bound.parent
    if not (isinstance(assign, nodes.Assign) and isinstance(assign.value, nodes.Attribute)
            and isinstance(assign.value.expr, nodes.Name)):
        return False
    row = assign.value.expr.name
    return any(isinstance(loop.target, nodes.AssignName) and loop.target.name == row
               for loop in assign.node_ancestors() if isinstance(loop, nodes.For))


def holds_one_tenant(node: nodes.NodeNG, tenant_words: set[str]) -> bool:
    """Whether the functions around `node` hold one tenant when it runs: a parameter, or a
    variable bound before it, named after the tenant (`organization`, `org_id`,
    `current_workspace`). A command, job or script that does acts for that tenant, and a query
    in it without the tenant filter is a leak; one that holds no tenant works across all of them
    on purpose (a backfill, a nightly sweep). A plural (`organizations`) is many tenants."""
    line = node.lineno or 0
    scope = node.scope()
    while not isinstance(scope, nodes.Module):
        if isinstance(scope, (nodes.FunctionDef, nodes.Lambda)):
            if any(_names_one_tenant(name, tenant_words) for name in scope.argnames()):
                return True
            if any(_names_one_tenant(name, tenant_words) and any(
                    (bound.lineno or line) < line and not _tenant_of_each_row(bound) for bound in bindings)
                   for name, bindings in scope.locals.items()):
                return True
        if scope.parent is None:
            break
        scope = scope.parent.scope()
    return False
