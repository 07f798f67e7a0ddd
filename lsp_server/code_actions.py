"""Code actions: each fix a diagnostic carries, "Suppress CODE on this line", "Suppress CODE in
this file", and `source.fixAll.prodready` for every safe fix in the document.

Quick fixes and suppressions come with their edit: the diagnostic already holds the one, the
other is a single comment. Fix-all, which gathers every safe fix of the document, is returned
without its edit when the client can resolve actions, and computed in `resolve`: a client asks
for actions on every cursor move and applies few of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.workspace import TextDocument

from analyzer.fixes.apply import chosen_fixes
from analyzer.fixes.suppression_comment import suppress_file, suppress_line
from analyzer.model import Finding, FixSafety, TextEdit

from .diagnostics import SOURCE, fixes_of, to_text_edit
from .documents import with_newlines

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL]


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a request limited to `only` kinds admits `kind` (`source.fixAll` admits ours)."""
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


def code_actions(document: TextDocument, path: Path, params: types.CodeActionParams,
                 findings: list[Finding], lazy: bool) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    only = params.context.only
    if wanted(only, types.CodeActionKind.QuickFix):
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != SOURCE:
                continue
            for fix in fixes_of(diagnostic):
                actions.append(types.CodeAction(
                    title=fix.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=fix.safety is FixSafety.SAFE,
                    edit=_workspace_edit(document, list(fix.edits)),
                ))
            code = str(diagnostic.code)
            line = diagnostic.range.start.line + 1
            for scope, title in (("line", f"Suppress {code} on this line"), ("file", f"Suppress {code} in this file")):
                if scope == "line" and suppress_line(str(path), with_newlines(document.source), line, code) is None:
                    continue  # the line ends inside a string: only the file-wide comment can go in
                action = types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                                          data={"uri": document.uri, "suppress": scope, "code": code, "line": line})
                actions.append(resolve(action, document, path, findings))  # one comment: cheap to give at once
    if wanted(only, FIX_ALL) and _safe_fixes(findings):
        action = types.CodeAction(title="prodready: fix all safe problems", kind=FIX_ALL,
                                  data={"uri": document.uri, "fixAll": True})
        actions.append(action if lazy else resolve(action, document, path, findings))
    return actions


def resolve(action: types.CodeAction, document: TextDocument, path: Path, findings: list[Finding]) -> types.CodeAction:
    """Fill in the edit of an action `code_actions` returned without one."""
    data: Any = action.data
    if not isinstance(data, dict) or action.edit is not None:
        return action
    if data.get("fixAll"):
        edits = [edit for fixes in _safe_fixes(findings).values() for fix in fixes for edit in fix.edits]
        action.edit = _workspace_edit(document, edits)
    elif data.get("suppress") == "line":
        edit = suppress_line(str(path), with_newlines(document.source), int(data["line"]), str(data["code"]))
        action.edit = _workspace_edit(document, [edit] if edit else [])
    elif data.get("suppress") == "file":
        comment = suppress_file(str(path), with_newlines(document.source), str(data["code"]))
        action.edit = _workspace_edit(document, [comment])
    return action


def _safe_fixes(findings: list[Finding]) -> dict:
    return chosen_fixes(findings, {FixSafety.SAFE})


def _workspace_edit(document: TextDocument, edits: list[TextEdit]) -> types.WorkspaceEdit:
    lines = document.lines
    codec = document.position_codec
    return types.WorkspaceEdit(changes={document.uri: [to_text_edit(edit, lines, codec) for edit in edits]})
