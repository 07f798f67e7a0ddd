"""Syntax newer than Python 3.11, rewritten so that 3.11's parser accepts it.

`def first[T](items: list[T]) -> T:`, `class Box[T](Base):` and `type Json = dict[str, Any]`
(PEP 695, Python 3.12) and `except TimeoutError, ConnectionError:` (PEP 758, Python 3.14) are
most of what newer codebases write that 3.11 cannot parse. The rewrite keeps every line and
every column of the code around them: the bracketed parameters become blanks
(`def first   (items: list[T]) -> T:`, legal Python), `type Json = ...` becomes
`Json      = ...`, so that the value after `=` keeps its columns, and the blank after `except`
becomes the parenthesis the old grammar wants (`except(TimeoutError, ConnectionError):`, only
what follows the colon on that line moving by one). Findings, fixes and editor positions
computed on the rewritten text are those of the original. Nothing else is touched; a file that
still does not parse is reported as before.
"""

from __future__ import annotations

import io
import re
import tokenize

# An f-string whose replacement field holds a string in the f-string's own quotes (PEP 701):
# `f"{row["name"]}"`, `f' ({ctx['request'].user})'`.
NESTED_QUOTE = re.compile(r"""[fF][rR]?(?:"[^"\n]*\{[^}"\n]*"|'[^'\n]*\{[^}'\n]*')""")
CANDIDATE = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+\w+\s*\[|^\s*type\s+\w+|^\s*except\b[^:\n]*,", re.M)


def rewrite_newer_syntax(text: str) -> str | None:
    """The text with PEP 701, PEP 695 and PEP 758 syntax rewritten, or None when there is none
    (or it cannot tell)."""
    requoted = requote_fstrings(text) if NESTED_QUOTE.search(text) else None
    if requoted is not None:
        text = requoted
    if not CANDIDATE.search(text):
        return requoted
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    lines = text.split("\n")
    edits: list[tuple[int, int, int, int, str]] = []  # start row/col, end row/col (1-based rows), text
    line_start = True
    for index, token in enumerate(tokens):
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT):
            line_start = token.type != tokenize.COMMENT or line_start
            continue
        at_start, line_start = line_start, False
        following = tokens[index + 1: index + 3]
        if token.type == tokenize.NAME and token.string in ("def", "class") and len(following) == 2 \
                and following[0].type == tokenize.NAME and following[1].string == "[":
            close = _matching(tokens, index + 2)
            if close is not None:
                opening, closing = tokens[index + 2], tokens[close]
                edits.append((*opening.start, *closing.end, ""))
        elif at_start and token.type == tokenize.NAME and token.string == "type" and len(following) == 2 \
                and following[0].type == tokenize.NAME and following[1].string in ("=", "["):
            equals = index + 2
            if following[1].string == "[":
                close = _matching(tokens, index + 2)
                equals = close + 1 if close is not None else -1
            if 0 <= equals < len(tokens) and tokens[equals].string == "=" and tokens[equals].start[0] == token.start[0]:
                name = following[0].string
                width = tokens[equals].start[1] - token.start[1]
                edits.append((*token.start, *tokens[equals].start, name.ljust(width)))
        elif at_start and token.type == tokenize.NAME and token.string == "except":
            edits.extend(_parenthesized_exceptions(tokens, index))
    if not edits:
        return requoted
    for start_row, start_col, end_row, end_col, replacement in reversed(edits):
        _blank(lines, start_row, start_col, end_row, end_col, replacement)
    return "\n".join(lines)


def _parenthesized_exceptions(tokens: list[tokenize.TokenInfo], index: int) -> list[tuple[int, int, int, int, str]]:
    """`except A, B:` -> `except(A, B):`: the blank after `except` (or `except*`) becomes `(`
    and the colon `):`. Only for an unparenthesized list on one line, without `as`."""
    first = index + 1 + (tokens[index + 1].string == "*")
    depth, commas = 0, 0
    for position in range(first, len(tokens)):
        token = tokens[position]
        if token.start[0] != tokens[index].start[0] or token.type in (tokenize.NEWLINE, tokenize.NL):
            return []
        if token.string in ("(", "[", "{"):
            depth += 1
        elif token.string in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and token.string == "as":
            return []
        elif depth == 0 and token.string == ",":
            commas += 1
        elif depth == 0 and token.string == ":":
            gap = tokens[first - 1].end
            if not commas or tokens[first].start[1] - gap[1] < 1:
                return []
            return [(*gap, gap[0], gap[1] + 1, "("), (*token.start, *token.end, "):")]
    return []


def _matching(tokens: list[tokenize.TokenInfo], opening: int) -> int | None:
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index].string in ("[", "(", "{"):
            depth += 1
        elif tokens[index].string in ("]", ")", "}"):
            depth -= 1
            if depth == 0:
                return index
    return None


def _blank(lines: list[str], start_row: int, start_col: int, end_row: int, end_col: int, replacement: str) -> None:
    """Replace a span with `replacement` padded by blanks to the same length, line by line (an
    empty line inside a multi-line span gains the one character of its continuation)."""
    if start_row == end_row:
        line = lines[start_row - 1]
        span = end_col - start_col
        lines[start_row - 1] = line[:start_col] + replacement.ljust(span) + line[end_col:]
        return
    # The brackets joined the lines; a backslash at the end of each one joins them instead.
    first = lines[start_row - 1]
    lines[start_row - 1] = (first[:start_col] + replacement.ljust(len(first) - start_col))[:-1] + "\\"
    for row in range(start_row + 1, end_row):
        lines[row - 1] = " " * max(len(lines[row - 1]) - 1, 0) + "\\"
    last = lines[end_row - 1]
    lines[end_row - 1] = " " * end_col + last[end_col:]


def requote_fstrings(text: str) -> str | None:
    """`f"{row["name"]}"` -> `f"{row['name']}"`: a string inside a replacement field that uses
    the f-string's own quote (PEP 701, Python 3.12) takes the other quote, which 3.11 accepts
    and which keeps every column. None when nothing needed it, or when a field holds what no
    swap makes legal for 3.11 (a backslash, a comment, a string with both quotes)."""
    chars = list(text)
    changed = False
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if char == "#":
            index = text.find("\n", index)
            index = size if index < 0 else index
            continue
        if char not in "'\"":
            index += 1
            continue
        prefix = _string_prefix(text, index)
        triple = text.startswith(char * 3, index)
        if "f" not in prefix or triple:
            index = _string_end(text, index, "r" in prefix)
            continue
        end = _requote_fstring(text, chars, index)
        if end is None:
            return None
        changed = changed or chars[index:end] != list(text[index:end])
        index = end
    return "".join(chars) if changed else None


def _string_prefix(text: str, quote: int) -> str:
    start = quote
    while start > 0 and text[start - 1] in "rRbBuUfF":
        start -= 1
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return ""  # the end of a name, not a prefix: `elif"x"` never happens, `self.f"` cannot
    return text[start:quote].lower()


def _string_end(text: str, quote: int, raw: bool) -> int:
    """The index after the string literal that starts at `quote` (an unterminated one ends the text)."""
    delimiter = text[quote] * 3 if text.startswith(text[quote] * 3, quote) else text[quote]
    index = quote + len(delimiter)
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(delimiter, index):
            return index + len(delimiter)
        if text[index] == "\n" and len(delimiter) == 1:
            return index
        index += 1
    return len(text)


def _requote_fstring(text: str, chars: list[str], quote: int) -> int | None:
    """Rewrite the fields of the one-line f-string at `quote` in `chars`; the index after it."""
    outer = text[quote]
    other = "'" if outer == '"' else '"'
    index, depth = quote + 1, 0
    while index < len(text):
        char = text[index]
        if char == "\n":
            return index  # unterminated: the parser will say so
        if depth == 0:
            if char == "\\":
                index += 2
                continue
            if char == outer:
                return index + 1
            if char in "{}" and text.startswith(char * 2, index):
                index += 2
                continue
            depth += char == "{"
            index += 1
            continue
        if char in "\\#":
            return None
        if char in "{[(":
            depth += char == "{"
        elif char in "}])":
            depth -= char == "}"
        elif char in "'\"":
            end = _string_end(text, index, "r" in _string_prefix(text, index))
            if char == outer:
                body = text[index + 1:end - 1]
                if end - index < 2 or text[end - 1] != outer or other in body or "\\" in body or "{" in body:
                    return None
                chars[index] = chars[end - 1] = other
            index = end
            continue
        index += 1
    return index
