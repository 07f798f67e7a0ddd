"""Web Storage as scripts use it: the storage objects of one script, its writes, its reads.

`localStorage`, `window.sessionStorage`, an alias (`const s = window.localStorage`) and the
wrapper libraries that keep their data there (store.js, store2, localforage, secure-ls,
react-secure-storage, the `useLocalStorage` hooks, zustand's `persist`) are all the same
place: readable by any script that runs on the page. Keys are resolved through the string
constants of the script (`const TOKEN_KEY = "auth"`, `KEYS.token`). The second half follows
a value read back from storage to where it is used: a variable, a getter, a property of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from .credentials import names_credential
from .javascript import ScriptFile, ScriptRegion, arguments_of, string_value, walk
from .mentions import Mentions

STORAGES = frozenset({"localStorage", "sessionStorage"})
# Objects whose `localStorage` property is Web Storage: the browser's globals, and Quasar's `$q`.
GLOBALS = frozenset({"window", "globalThis", "self", "document.defaultView", "$q", "this.$q", "vm.$q"})
# Named exports that are Web Storage under another name: `import { LocalStorage } from "quasar"`.
STORAGE_EXPORTS = {"quasar": {"LocalStorage": "localStorage", "SessionStorage": "sessionStorage"}}
# Packages whose default export (or a named one) stores into Web Storage, and their write/read methods.
WRAPPER_PACKAGES = frozenset({"store", "store2", "store-js", "localforage", "secure-ls", "react-secure-storage",
                              "local-storage", "reactjs-localstorage", "@react-native-async-storage/async-storage"})
WRAPPER_GLOBALS = frozenset({"localforage", "secureLocalStorage", "store"})
WRITE_METHODS = frozenset({"setItem", "set"})
READ_METHODS = frozenset({"getItem", "get"})
STORAGE_HOOKS = frozenset({"useLocalStorage", "useSessionStorage", "useStorage", "useLocalStorageState",
                           "useSessionStorageState", "useStorageState", "createLocalStorage"})
PERSIST_PACKAGES = ("zustand/middleware",)
INTERESTING = frozenset({"call_expression", "assignment_expression", "member_expression", "subscript_expression"})
# Every way of reaching Web Storage named above leaves one of these in the text: a storage
# global or hook ("Storage"), a wrapper package or global, or zustand's persist.
MENTIONS = Mentions(re.compile(r"[Ss]torage|localforage|secure-?ls|SecureLS|zustand|\bnew\s+Store\b"
                               r"|[\"'](?:store|store2|store-js)[\"']|\bstore\s*(?:\(|\.\s*(?:set|get)\b)"),
                    words=("torage", "tore", "forage", "ecure", "zustand"))


@dataclass(frozen=True)
class StorageAccess:
    """A write or read of one key: `node` is the call or assignment itself, where findings go."""

    node: Node
    key: Node | None  # the key expression, None when the key is the whole state (zustand persist)
    value: Node | None  # what is written, for writes
    place: str  # "localStorage", "sessionStorage", or the wrapper's name


class ScriptFacts:
    """What one script region says about storage: aliases, wrappers and string constants."""

    def __init__(self, region: ScriptRegion) -> None:
        self.region = region
        self.aliases: dict[str, str] = {}  # local name -> "localStorage" / "sessionStorage"
        self.wrappers: set[str] = set(WRAPPER_GLOBALS)
        self.persist: set[str] = set()
        self.constants: dict[str, str] = {}  # "TOKEN_KEY" and "KEYS.token" -> string value
        # Calls, assignments and property reads, in document order: every rule looks at these,
        # and walking a bundle-sized tree once instead of once per rule is most of the time saved.
        self.interesting: list[Node] = []
        self._collect()

    @classmethod
    def of(cls, region: ScriptRegion) -> ScriptFacts:
        """The facts of `region`, collected by the first rule that asks."""
        facts = region.memo.get("storage")
        if not isinstance(facts, cls):
            facts = region.memo["storage"] = cls(region)
        return facts

    def text(self, node: Node) -> str:
        return self.region.text(node)

    def _collect(self) -> None:
        for node in walk(self.region.tree.root_node):
            if node.type in INTERESTING:
                self.interesting.append(node)
            elif node.type == "import_statement":
                self._import(node)
            elif node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if name is None or value is None:
                    continue
                if name.type == "identifier":
                    place = self.storage_of(value)
                    if place:
                        self.aliases[self.text(name)] = place
                    elif value.type == "new_expression" and self.text(value).startswith(("new SecureLS", "new Store")):
                        self.wrappers.add(self.text(name))
                    literal = string_value(self.region, value)
                    if literal is not None:
                        self.constants[self.text(name)] = literal
                    elif value.type == "object":
                        self._object_constants(self.text(name), value)
                elif name.type == "object_pattern" and self.text(value) in GLOBALS:
                    for child in walk(name):  # const { localStorage: ls } = window
                        if child.type in ("shorthand_property_identifier_pattern", "identifier") \
                                and self.text(child) in STORAGES:
                            self.aliases[self.text(child)] = self.text(child)

    def _import(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        package = string_value(self.region, source) if source is not None else None
        if package is None:
            return
        names = [self.text(n) for n in walk(node) if n.type == "identifier"]
        for exported, place in STORAGE_EXPORTS.get(package, {}).items():
            if exported in names:
                self.aliases[exported] = place
        if package in WRAPPER_PACKAGES:
            self.wrappers.update(names)
        elif package in PERSIST_PACKAGES and "persist" in names:
            self.persist.add("persist")

    def _object_constants(self, prefix: str, value: Node) -> None:
        for pair in (c for c in value.named_children if c.type == "pair"):
            key, item = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            literal = string_value(self.region, item) if item is not None else None
            if key is not None and literal is not None:
                self.constants[f"{prefix}.{self.text(key).strip(chr(34) + chr(39))}"] = literal

    def storage_of(self, node: Node) -> str | None:
        """"localStorage" for `localStorage`, `window.localStorage` or an alias of it."""
        if node.type == "identifier":
            name = self.text(node)
            return name if name in STORAGES else self.aliases.get(name)
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and prop is not None and self.text(obj) in GLOBALS and self.text(prop) in STORAGES:
                return self.text(prop)
        if node.type == "parenthesized_expression" and node.named_children:
            return self.storage_of(node.named_children[0])
        return None

    def place_of(self, node: Node) -> str | None:
        """Web Storage or a wrapper that writes to it."""
        found = self.storage_of(node)
        if found:
            return found
        if node.type == "identifier" and self.text(node) in self.wrappers:
            return self.text(node)
        return None

    def key_text(self, key: Node | None) -> str | None:
        """The key's string, through constants; else the key expression's own name."""
        if key is None:
            return None
        literal = string_value(self.region, key)
        if literal is not None:
            return literal
        expression = self.text(key)
        return self.constants.get(expression, expression)

    def writes(self) -> Iterator[StorageAccess]:
        for node in self.interesting:
            if node.type == "call_expression":
                yield from self._call_write(node)
            elif node.type == "assignment_expression":
                left = node.child_by_field_name("left")
                target = self._property_access(left) if left is not None else None
                if target is not None:
                    yield StorageAccess(node, target[1], node.child_by_field_name("right"), target[0])

    def reads(self) -> Iterator[StorageAccess]:
        for node in self.interesting:
            if node.type == "call_expression":
                function, arguments = node.child_by_field_name("function"), arguments_of(node)
                if function is not None and function.type == "member_expression" and arguments:
                    obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
                    if obj is not None and prop is not None and self.text(prop) in READ_METHODS \
                            and self.place_of(obj):
                        yield StorageAccess(node, arguments[0], None, self.place_of(obj) or "")
            elif node.type in ("member_expression", "subscript_expression"):
                parent = node.parent
                if parent is not None and parent.type == "assignment_expression" \
                        and parent.child_by_field_name("left") == node:
                    continue
                if parent is not None and parent.type == "call_expression" \
                        and parent.child_by_field_name("function") == node:
                    continue
                target = self._property_access(node)
                if target is not None:
                    yield StorageAccess(node, target[1], None, target[0])

    def _property_access(self, node: Node) -> tuple[str, Node] | None:
        """`localStorage.token` or `localStorage["token"]`: (place, key node)."""
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            place = self.storage_of(obj) if obj is not None else None
            if place and prop is not None and self.text(prop) not in STORAGE_API:
                return place, prop
        elif node.type == "subscript_expression":
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            place = self.storage_of(obj) if obj is not None else None
            if place and index is not None:
                return place, index
        return None

    def _call_write(self, node: Node) -> Iterator[StorageAccess]:
        function, arguments = node.child_by_field_name("function"), arguments_of(node)
        if function is None:
            return
        if function.type == "member_expression":
            obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
            if obj is not None and prop is not None and self.text(prop) in WRITE_METHODS and len(arguments) >= 2:
                place = self.place_of(obj)
                if place:
                    yield StorageAccess(node, arguments[0], arguments[1], place)
        elif function.type == "identifier":
            name = self.text(function)
            if name in self.wrappers and len(arguments) >= 2:  # store2: store("token", value)
                yield StorageAccess(node, arguments[0], arguments[1], name)
            elif name in STORAGE_HOOKS and arguments:
                key = arguments[0]
                if key.type == "object":  # useLocalStorage({ key: "token", defaultValue: "" })
                    key = next((p.child_by_field_name("value") for p in key.named_children if p.type == "pair"
                                and self.text(p.child_by_field_name("key")) == "key"), None)
                if key is not None:  # the second argument is a default, not what gets stored
                    yield StorageAccess(node, key, None, name)
            elif name in self.persist and len(arguments) >= 2 and arguments[1].type == "object":
                options = arguments[1]
                name_value = next((p.child_by_field_name("value") for p in options.named_children
                                   if p.type == "pair" and self.text(p.child_by_field_name("key")) == "name"), None)
                if _persists_elsewhere(self, options):
                    return
                yield StorageAccess(node, name_value, arguments[0], "localStorage")


STORAGE_API = frozenset({"setItem", "getItem", "removeItem", "clear", "key", "length"})


def _persists_elsewhere(facts: ScriptFacts, options: Node) -> bool:
    """zustand `persist(..., { storage: createJSONStorage(() => cookieStorage) })`: not Web Storage."""
    for pair in (p for p in options.named_children if p.type == "pair"):
        if facts.text(pair.child_by_field_name("key")) in ("storage", "getStorage"):
            value = facts.text(pair.child_by_field_name("value"))
            return not any(s in value for s in STORAGES)
    return False


def stored_names(region: ScriptRegion, node: Node | None) -> Iterator[str]:
    """The names a stored value is known by: `token`, `res.data.accessToken` -> accessToken,
    `JSON.stringify({ token, user })` -> token, user. The objects a property is read from
    (`auth.user.name`) are not what is stored, so they are not named."""
    if node is None:
        return
    kind = node.type
    if kind in ("identifier", "property_identifier", "shorthand_property_identifier"):
        yield region.text(node)
    elif kind == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is not None:
            yield region.text(prop)
    elif kind == "subscript_expression":
        index = node.child_by_field_name("index")
        literal = string_value(region, index)
        if literal is not None:
            yield literal
    elif kind == "call_expression":
        arguments = node.child_by_field_name("arguments")
        for argument in arguments.named_children if arguments is not None else ():
            yield from stored_names(region, argument)
    elif kind == "object":
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                if key is not None:
                    yield region.text(key).strip("\"'")
            elif child.type == "shorthand_property_identifier":
                yield region.text(child)
    elif kind in ("template_string", "binary_expression", "ternary_expression", "parenthesized_expression",
                  "await_expression", "template_substitution", "as_expression", "non_null_expression"):
        for child in node.named_children:
            yield from stored_names(region, child)
    elif kind == "string":
        text = string_value(region, node) or ""
        if text.lower().startswith("bearer "):
            yield "bearer"


def is_plain_literal(script: ScriptFile, region: ScriptRegion, node: Node | None) -> bool:
    """`true`, `1`, `null`, `"yes"`: a flag, never a credential. A string that a template
    fills in (`"{{ api_token }}"`) is a value from the server, not a constant."""
    if node is None or node.type not in ("true", "false", "number", "null", "undefined", "string"):
        return False
    original = script.text[region.char_offset(node.start_byte):region.char_offset(node.end_byte)]
    return "{{" not in original


def credential_key(facts: ScriptFacts, key: Node | None) -> str | None:
    """The key, resolved, when it or the constant that holds it names a credential:
    `"accessToken"`, and `REFRESH_TOKEN_KEY` even when its value is `"acme.refresh"`."""
    resolved = facts.key_text(key)
    if names_credential(resolved):
        return resolved
    if key is not None and key.type in ("identifier", "member_expression") and names_credential(facts.text(key)):
        return resolved
    return None


def names_a_credential(names: Iterator[str]) -> str | None:
    return next((name for name in names if names_credential(name)), None)


# Parents a value passes through unchanged on its way to where it is used.
TRANSPARENT = frozenset({"template_substitution", "template_string", "binary_expression", "parenthesized_expression",
                         "ternary_expression", "await_expression", "as_expression", "non_null_expression",
                         "arguments", "call_expression", "array", "spread_element", "string"})
SCOPES = frozenset({"function_declaration", "function_expression", "arrow_function", "method_definition",
                    "program", "generator_function_declaration"})


# -- where a value read from storage goes ----------------------------------------------------


def carrier(node: Node) -> Node:
    """The outermost expression that carries `node`'s value unchanged."""
    current = node
    while current.parent is not None and current.parent.type in TRANSPARENT:
        parent = current.parent
        if parent.type == "call_expression" and parent.child_by_field_name("function") == current:
            break
        current = parent
    return current


def holder(region: ScriptRegion, read: Node) -> tuple[str, Node, bool] | None:
    """The variable a read is kept in (`const token = localStorage.getItem(...)`), its scope, and
    whether that variable is a getter function (`const getToken = () => localStorage.getItem(...)`)."""
    top = carrier(read)
    parent = top.parent
    if parent is not None and parent.type == "variable_declarator" and parent.child_by_field_name("value") == top:
        name = parent.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            return region.text(name), scope_of(parent), False
    if parent is not None and parent.type == "assignment_expression" and parent.child_by_field_name("right") == top:
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            return region.text(left), scope_of(parent), False
    if parent is not None and parent.type in ("return_statement", "arrow_function"):
        function = parent if parent.type == "arrow_function" else scope_of(parent)
        name = function_name(region, function)
        if name:
            return name, function, True
    return None


def function_name(region: ScriptRegion, function: Node) -> str | None:
    if function.type in ("function_declaration", "method_definition"):
        name = function.child_by_field_name("name")
        return region.text(name) if name is not None else None
    parent = function.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return region.text(name) if name is not None else None
    if parent is not None and parent.type == "pair":
        return region.text(parent.child_by_field_name("key"))
    return None


def scope_of(node: Node) -> Node:
    current = node.parent
    while current is not None and current.type not in SCOPES:
        current = current.parent
    return current or node


def uses(region: ScriptRegion, name: str, scope: Node) -> Iterator[Node]:
    for node in walk(scope):
        if node.type in ("identifier", "shorthand_property_identifier") and region.text(node) == name:
            parent = node.parent
            declared = parent is not None and parent.type == "variable_declarator" \
                and parent.child_by_field_name("name") == node
            if declared:
                continue
            yield node


def credential_read_back(region: ScriptRegion, facts: ScriptFacts) -> Iterator[tuple[str, str, Node]]:
    """Keys whose stored value is read back for a credential inside it: `JSON.parse(localStorage.
    getItem("currentUser")).token`, or `const user = ...getItem("user"); user?.accessToken`.
    Yields (key, the credential property, the node that reads it)."""
    for read in facts.reads():
        literal = string_value(region, read.key) if read.key is not None else None
        key = literal if literal is not None else facts.constants.get(facts.text(read.key)) if read.key else None
        if not key:
            continue
        values = [carrier(read.node)]
        kept_in = holder(region, read.node)
        if kept_in is not None and not kept_in[2]:
            values.extend(uses(region, kept_in[0], kept_in[1]))
        for value in values:
            parent = value.parent
            if parent is not None and parent.type == "member_expression" and \
                    parent.child_by_field_name("object") == value:
                prop = parent.child_by_field_name("property")
                if prop is not None and names_credential(region.text(prop)):
                    yield key, region.text(prop), parent
                    break
