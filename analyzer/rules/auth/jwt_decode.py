"""AUTH006: a JWT trusted without checking its signature."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes

from ...lang.python import Positions, imported_name, keyword_argument, last_name, nodes_within, safe_infer
from ...model import Finding, Severity
from ..base import RuleContext
from . import AuthRule

CWE_347 = ("CWE-347: Improper Verification of Cryptographic Signature — "
           "https://cwe.mitre.org/data/definitions/347.html")
OWASP_JWT = ("OWASP JSON Web Token Cheat Sheet — "
             "https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html")
DECODERS = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode", "jwt.decode_complete"})
UNVERIFIED_READERS = frozenset({"jose.jwt.get_unverified_claims", "jose.jws.get_unverified_claims",
                                "jwt.api_jwt.decode_complete"})
CALLED_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in DECODERS | UNVERIFIED_READERS)
# Claims that say how to verify or whether to bother, not who the caller is.
METADATA_CLAIMS = frozenset({"exp", "iat", "nbf", "kid", "iss", "aud", "jti", "alg", "typ"})


def _verification_off(call: nodes.Call) -> str | None:
    """How a decode call skips verification, if it does."""
    options = keyword_argument(call, "options")
    if isinstance(options, nodes.Name):
        options = safe_infer(options)
    if isinstance(options, nodes.Dict):
        for key, value in options.items:
            if isinstance(key, nodes.Const) and key.value == "verify_signature" and \
                    isinstance(value, nodes.Const) and value.value is False:
                return '`options={"verify_signature": False}`'
    verify = keyword_argument(call, "verify")
    if isinstance(verify, nodes.Const) and verify.value is False:
        return "`verify=False`"
    algorithms = keyword_argument(call, "algorithms")
    if isinstance(algorithms, (nodes.List, nodes.Tuple, nodes.Set)) and any(
            isinstance(e, nodes.Const) and str(e.value).lower() == "none" for e in algorithms.elts):
        return 'an `algorithms` list that admits "none"'
    return None


def _claims_read(call: nodes.Call) -> set[str] | None:
    """The claims read from the decoded result, or None when the whole result is used
    (returned, passed on, iterated), in which case anything may be trusted."""
    parent = call.parent
    if isinstance(parent, nodes.Subscript) and isinstance(parent.slice, nodes.Const):
        return {str(parent.slice.value)}
    if not (isinstance(parent, nodes.Assign) and len(parent.targets) == 1 and
            isinstance(parent.targets[0], nodes.AssignName)):
        return None
    name = parent.targets[0].name
    scope = call.scope()
    keys: set[str] = set()
    for use in nodes_within(scope, nodes.Name):
        if use.name != name:
            continue
        holder = use.parent
        if isinstance(holder, nodes.Subscript) and isinstance(holder.slice, nodes.Const):
            keys.add(str(holder.slice.value))
        elif isinstance(holder, nodes.Attribute) and holder.attrname == "get" and \
                isinstance(holder.parent, nodes.Call) and holder.parent.args and \
                isinstance(holder.parent.args[0], nodes.Const):
            keys.add(str(holder.parent.args[0].value))
        else:
            return None
    return keys


class UnverifiedJwt(AuthRule):
    """A JWT is decoded without verifying its signature, and what it says is trusted.

    ## Why is this bad?
    Anyone can write a JWT: it is base64 text. Only the signature shows that your server issued
    it, so a token decoded with `options={"verify_signature": False}` (PyJWT 2),
    `verify=False` (PyJWT 1), an `algorithms` list that admits `"none"`, or python-jose's
    `get_unverified_claims`, and then used to decide who the caller is, lets anyone log in as
    anyone by editing the `sub` claim. Reading only metadata (`exp`, `kid`, `iss`) to pick a key
    or schedule a refresh is fine, and so is peeking before a verified `decode` in the same
    function; those are not reported.

    ## Example
    ```python
    import jwt

    def current_user(request):
        token = request.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, options={"verify_signature": False})
        return User.objects.get(pk=claims["sub"])
    ```

    ## Use instead
    ```python
    import jwt

    def current_user(request):
        token = request.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"])
        return User.objects.get(pk=claims["sub"])
    ```
    """

    code = "AUTH006"
    name = "unverified-jwt"
    severity = Severity.ERROR
    languages = ("python",)
    references = (CWE_347, OWASP_JWT)
    local_to_statement = True
    node_types = (nodes.Call,)

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        if last_name(node.func) not in CALLED_NAMES:
            return  # cheap first: resolving imports for every call of a module adds up
        called = imported_name(node.func)
        if called in DECODERS:
            how = _verification_off(node)
        elif called in UNVERIFIED_READERS:
            how = f"`{called.rsplit('.', 1)[-1]}`"
        else:
            return
        if how is None or _verified_nearby(node):
            return
        claims = _claims_read(node)
        if claims is not None and claims <= METADATA_CLAIMS:
            return  # peeks at exp/kid/iss only
        read = f" and its `{sorted(claims - METADATA_CLAIMS)[0]}` claim is trusted" if claims else ""
        positions = ctx.positions or Positions(ctx.text)
        yield ctx.finding(self, positions.span(node),
                          f"this JWT is decoded with {how}{read}: anyone can forge it; pass the key and the "
                          "expected `algorithms` so the signature is checked")


def _verified_nearby(call: nodes.Call) -> bool:
    """A verifying decode in the same function: the unverified read only picked the key."""
    scope = call.scope()
    for other in nodes_within(scope, nodes.Call):
        if other is not call and imported_name(other.func) in DECODERS and _verification_off(other) is None:
            return True
    return False
