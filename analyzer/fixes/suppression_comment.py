"""Edits that silence a finding with a `prodready: ignore[...]` comment in the file's own syntax.

The editor's "Suppress CODE on this line" and "Suppress CODE in this file" actions both end
here, so the comment they write is always one `suppress.parse_suppressions` reads back. A
line that already carries a directive gets the code added to it rather than a second comment.
"""

from __future__ import annotations

import io
import re
import tokenize

from ..model import TextEdit
from ..workspace import language_of

_LINE_DIRECTIVE = re.compile(r"\bprodready:\s*ignore[ \t]*\[(?P<codes>[^\]]*)\]")
_TEMPLATE_TAGS = re.compile(r"\{%|\{\{")


def comment_syntax(path: str, text: str) -> tuple[str, str]:
    """The opening and closing of a comment in this file: `# `, `-- `, `// `, `<!-- -->`, or
    `{# #}` in a Django or Jinja template (an HTML comment would reach the rendered page)."""
    language = language_of(path)
    if language == "python":
        return "# ", ""
    if language == "sql":
        return "-- ", ""
    if language in ("html", "vue", "svelte"):
        if language == "html" and _TEMPLATE_TAGS.search(text):
            return "{# ", " #}"
        return "<!-- ", " -->"
    return "// ", ""


def suppress_line(path: str, text: str, line: int, code: str) -> TextEdit | None:
    """The edit that silences `code` on 1-based `line`: the code joins an existing
    `prodready: ignore[...]` list, or a trailing comment is appended. None where the line ends
    inside a Python string (`cursor.execute(\"\"\"SELECT ...`), which a comment would change."""
    if language_of(path) == "python" and _ends_inside_string(text, line):
        return None
    lines = text.split("\n")
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    existing = _LINE_DIRECTIVE.search(current)
    if existing is not None:
        codes = [c.strip() for c in existing.group("codes").split(",") if c.strip()]
        if code not in codes:
            codes.append(code)
        start, end = existing.span("codes")
        return TextEdit(path=path, line=line, column=start + 1, end_line=line, end_column=end + 1,
                        new_text=", ".join(codes))
    opening, closing = comment_syntax(path, text)
    body = current.removesuffix("\r")  # an editor's buffer may keep CRLF endings
    return TextEdit(path=path, line=line, column=len(body.rstrip()) + 1, end_line=line, end_column=len(body) + 1,
                    new_text=f"  {opening}prodready: ignore[{code}]{closing}")


def suppress_file(path: str, text: str, code: str) -> TextEdit:
    """The edit that silences `code` in the whole file: a `prodready: ignore-file[CODE]` comment
    on a line of its own at the top (after a shebang, which must stay first)."""
    opening, closing = comment_syntax(path, text)
    directive = f"{opening}prodready: ignore-file[{code}]{closing}"
    newline = "\r\n" if "\r\n" in text else "\n"
    if text.startswith("#!"):
        first = text.split("\n", 1)[0]
        if "\n" not in text:
            return TextEdit(path=path, line=1, column=len(first) + 1, end_line=1, end_column=len(first) + 1,
                            new_text=f"{newline}{directive}")
        return TextEdit(path=path, line=2, column=1, end_line=2, end_column=1, new_text=f"{directive}{newline}")
    return TextEdit(path=path, line=1, column=1, end_line=1, end_column=1, new_text=f"{directive}{newline}")


def _ends_inside_string(text: str, line: int) -> bool:
    fstring_start, fstring_end = getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_END", -1)
    open_fstrings: list[int] = []  # Python 3.12 splits an f-string into tokens
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] > line and not open_fstrings:
                return False
            if token.type == tokenize.STRING and token.start[0] <= line < token.end[0]:
                return True
            if token.type == fstring_start:
                open_fstrings.append(token.start[0])
            elif token.type == fstring_end and open_fstrings and open_fstrings.pop() <= line < token.end[0]:
                return True
    except (tokenize.TokenError, SyntaxError):
        return False
    return False
