"""JavaScript and TypeScript, alone or inside HTML, server templates and single-file components.

Tree-sitter parses every script the browser would run: a .js/.ts file, each `<script>` block of
a page, an inline event handler (`onclick="..."`, Vue's `@click`), the `<script>` of a Vue or
Svelte component. Each becomes a `ScriptRegion` that knows where it starts in the file, so a
finding inside a template points at the right line and column of the template. Template tags
(`{{ }}`, `{% %}`, `{# #}`) are masked with characters of the same length before parsing: an
expression becomes an identifier, a statement or comment becomes blanks, and every offset of the
masked text is the offset of the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import tree_sitter
import tree_sitter_html
import tree_sitter_javascript
import tree_sitter_typescript

from ..budget import TimeUp, expired, uninterrupted
from ..model import Span
from .python import Positions

TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# `<script type=...>` values that hold code; anything else (JSON, templates) is data.
SCRIPT_TYPES = frozenset({"", "text/javascript", "application/javascript", "module", "text/babel", "text/jsx",
                          "text/ecmascript", "application/ecmascript"})
EVENT_ATTRIBUTE = re.compile(r"^(on[a-z]+|@[\w.:-]+|v-on:[\w.:-]+|x-on:[\w.:-]+|x-init|x-data|hx-on[\w:-]*)$", re.I)
# Bundles and copies of libraries: scanning them reports someone else's code, minified.
VENDORED_PATHS = ("*.min.js", "*.min.mjs", "*.bundle.js", "*-bundle.js", "*.chunk.js", "**/vendor/**",
                  "**/vendors/**", "**/static/vendor/**", "**/dist/**", "**/build/**", "**/public/build/**",
                  "**/bower_components/**", "**/*.min/**")
# A large file whose lines are this long on average is generated, not written. One long line
# is not enough: icon components carry SVG paths of thousands of characters.
MINIFIED_SIZE = 10_000
MINIFIED_MEAN_LINE = 500


@cache
def _language(grammar: str) -> tree_sitter.Language:
    if grammar == "typescript":
        return tree_sitter.Language(tree_sitter_typescript.language_typescript())
    if grammar == "tsx":
        return tree_sitter.Language(tree_sitter_typescript.language_tsx())
    if grammar == "html":
        return tree_sitter.Language(tree_sitter_html.language())
    return tree_sitter.Language(tree_sitter_javascript.language())


def _parse(text: str, grammar: str) -> tree_sitter.Tree:
    return _parse_bytes(text.encode("utf-8"), grammar)


READ_CHUNK = 16_384  # bytes handed to tree-sitter at a time: how far it gets past a deadline


def _parse_bytes(source: bytes, grammar: str) -> tree_sitter.Tree:
    """Parse `source`, stopping at the file's deadline (see `analyzer.budget`). Tree-sitter runs
    in C, out of reach of the watchdog, so it is fed in chunks and the text ends early once the
    deadline has passed; the truncated tree is then thrown away with `TimeUp`."""
    def read(offset: int, _point: tuple[int, int]) -> bytes:
        return b"" if expired() else source[offset:offset + READ_CHUNK]

    with uninterrupted():
        tree = tree_sitter.Parser(_language(grammar)).parse(read)
    if expired():
        raise TimeUp
    return tree


@dataclass
class ScriptRegion:
    """One script as parsed: its tree, its UTF-8 source, and its first character in the file."""

    tree: tree_sitter.Tree
    source: bytes
    offset: int
    grammar: str
    _ascii: bool = field(default=True, repr=False)
    # Facts that several rules derive from this region (storage aliases, constants), built once.
    memo: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._ascii = self.source.isascii()

    def text(self, node: tree_sitter.Node) -> str:
        return self.source[node.start_byte:node.end_byte].decode("utf-8", errors="replace")

    def char_offset(self, byte_offset: int) -> int:
        """Character offset in the file of a byte offset in this region."""
        if self._ascii:
            return self.offset + byte_offset
        return self.offset + len(self.source[:byte_offset].decode("utf-8", errors="replace"))


@dataclass
class ScriptFile:
    """Every script region of one file, and the way back from a node to a file position."""

    text: str
    regions: list[ScriptRegion]
    positions: Positions = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.positions = Positions(self.text)

    def span(self, region: ScriptRegion, node: tree_sitter.Node) -> Span:
        line, column = self.positions.position(region.char_offset(node.start_byte))
        end_line, end_column = self.positions.position(region.char_offset(node.end_byte))
        return Span(line=line, column=column, end_line=end_line, end_column=end_column)


def mask_template_tags(text: str) -> str:
    """`{{ token }}` -> `___________`, `{% if %}` -> blanks: same length, same newlines."""
    def blank(match: re.Match[str]) -> str:
        filler = "_" if match.group(0).startswith("{{") else " "
        return "".join(c if c == "\n" else filler for c in match.group(0))
    return TEMPLATE_TAG.sub(blank, text)


def grammar_for(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith((".ts", ".mts", ".cts")):
        return "typescript"
    if lowered.endswith(".tsx"):
        return "tsx"
    return "javascript"


# A lone surrogate: an editor's buffer, or a text handed to the library, may hold one,
# and tree-sitter reads UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_script_file(text: str, path: str, language: str) -> ScriptFile:
    """Parse a JS/TS file, or the scripts of an HTML page, template or component."""
    text = _LONE_SURROGATE.sub("\ufffd", text)  # which UTF-8 cannot hold; one for one, positions stay
    if language in ("javascript", "typescript"):
        grammar = grammar_for(path)
        return ScriptFile(text, [ScriptRegion(_parse(text, grammar), text.encode("utf-8"), 0, grammar)])
    masked = mask_template_tags(text)
    return ScriptFile(text, list(_embedded_scripts(masked)))


def _embedded_scripts(masked: str) -> Iterator[ScriptRegion]:
    source = masked.encode("utf-8")
    ascii_only = source.isascii()

    def char_offset(byte_offset: int) -> int:
        return byte_offset if ascii_only else len(source[:byte_offset].decode("utf-8", errors="replace"))

    def region(start: int, end: int, grammar: str) -> ScriptRegion:
        code = source[start:end].decode("utf-8", errors="replace")
        return ScriptRegion(_parse(code, grammar), code.encode("utf-8"), char_offset(start), grammar)

    rest: int | None = 0  # where the part of the page still to parse begins
    for _ in range(MAX_RECOVERED_SCRIPTS):
        if rest is None:
            return
        base, rest = rest, None
        tree = _parse_bytes(source[base:], "html")
        for node in walk(tree.root_node):
            if node.type == "raw_text":
                # The body of a <script>: within its script_element, or, where the page nests
                # deeper than the grammar's scanner keeps track of (about 2,000 open tags), in
                # the ERROR it recovers with, still just after its start tag.
                start = node.prev_sibling
                if start is None or start.type != "start_tag" or _tag_name(start, source, base) != "script":
                    continue
                attributes = _attributes(start, source, base)
                lang = attributes.get("lang", "").lower()
                grammar = "typescript" if lang in ("ts", "typescript") else "tsx" if lang == "tsx" else "javascript"
                body_start, body_end = base + node.start_byte, base + node.end_byte
                closing = _SCRIPT_END.search(source, body_start, body_end)
                if closing is not None:  # a recovered body runs on to the end of the page: the rest
                    after = source.find(b">", closing.end(), body_end)  # is parsed again, after it
                    rest = after + 1 if after >= 0 else None
                    body_end = closing.start()
                if attributes.get("type", "").lower() in SCRIPT_TYPES:
                    yield region(body_start, body_end, grammar)
                if rest is not None:
                    break
            elif node.type == "attribute":
                name = next((c for c in node.children if c.type == "attribute_name"), None)
                label = "" if name is None else source[base + name.start_byte:base + name.end_byte].decode(
                    errors="replace")
                value = _attribute_value(node)
                if EVENT_ATTRIBUTE.match(label) and value is not None:
                    yield region(base + value.start_byte, base + value.end_byte, "javascript")


MAX_RECOVERED_SCRIPTS = 1000  # parts of a page parsed again: a bound for a page built to make many


_SCRIPT_END = re.compile(rb"</script", re.IGNORECASE)


def _tag_name(start: tree_sitter.Node, source: bytes, base: int) -> str:
    name = next((c for c in start.children if c.type == "tag_name"), None)
    if name is None:
        return ""
    return source[base + name.start_byte:base + name.end_byte].decode(errors="replace").lower()


def _attributes(start: tree_sitter.Node, source: bytes, base: int) -> dict[str, str]:
    """The attributes of a start tag, parsed from `source` at `base`."""
    found: dict[str, str] = {}
    for attribute in (c for c in start.children if c.type == "attribute"):
        name = next((c for c in attribute.children if c.type == "attribute_name"), None)
        value = _attribute_value(attribute)
        if name is not None:
            key = source[base + name.start_byte:base + name.end_byte].decode(errors="replace").lower()
            found[key] = source[base + value.start_byte:base + value.end_byte].decode(errors="replace") if value else ""
    return found


def _attribute_value(attribute: tree_sitter.Node) -> tree_sitter.Node | None:
    for child in attribute.children:
        if child.type == "attribute_value":
            return child
        if child.type == "quoted_attribute_value":
            return next((c for c in child.children if c.type == "attribute_value"), None)
    return None


def string_value(region: ScriptRegion, node: tree_sitter.Node | None) -> str | None:
    """The text of a string literal, or of a template literal without substitutions."""
    if node is None:
        return None
    if node.type == "string":
        return "".join(region.text(c) for c in node.named_children if c.type in ("string_fragment", "escape_sequence"))
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
        return region.text(node)[1:-1]
    return None


def arguments_of(call: tree_sitter.Node) -> list[tree_sitter.Node]:
    """A call's arguments, without the comments between them."""
    arguments = call.child_by_field_name("arguments")
    return [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []


def walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """`node` and every node below it, in document order, without recursion (bundles nest
    deeply). A tree cursor visits them in C, three times faster than asking each node for its
    children."""
    cursor = node.walk()
    while True:
        yield cursor.node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def vendored_reason(relpath: str, text: str, is_vendored_path) -> str | None:
    """Why a script is not analysed: a copy of a library, or a minified bundle."""
    if is_vendored_path(relpath):
        return "vendored or built script (path matches a bundle or vendor folder)"
    lines = text.count("\n") + 1
    if len(text) > MINIFIED_SIZE and len(text) / lines > MINIFIED_MEAN_LINE:
        return f"minified script ({len(text)} characters on {lines} lines)"
    return None
