"""One parser front per language; each returns its tree with positions in code points."""

from __future__ import annotations

import logging
import warnings


def quiet_parsers() -> None:
    """Keep the parsers' own complaints about the analysed code off a program's stderr: what
    matters reaches the report. sqlglot logs the SQL it cannot parse (counted in the summary);
    astroid warns, once per node, where a deep expression outran the recursion limit while it
    transformed a tree (128 warnings on one file), and the file is still analysed. For the
    command line and the server, not for a library caller's own settings."""
    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="Astroid was unable to transform", category=UserWarning)
    # Python's regex compiler, on a glob of a repository's .gitignore that pathspec turns into a
    # character set within a set (`[[:alpha:]x`): the pattern is still used as it was written.
    warnings.filterwarnings("ignore", message="Possible nested set", category=FutureWarning)
    # Python's parser, on the analysed code: an escape a string does not mean (`"\\d"`) is a
    # SyntaxWarning from Python 3.12 on (a DeprecationWarning before), printed once per file.
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    warnings.filterwarnings("ignore", message="invalid escape sequence", category=DeprecationWarning)
