"""Entry point of `prodready-lsp` and `python -m lsp_server`.

The language server is not part of this release yet; until it is, the command says so
plainly instead of failing in a way an editor would report as a crash loop.
"""

from __future__ import annotations

import sys


def main() -> int:
    print(
        "prodready-lsp: the language server is not available in this version yet.\n"
        "Run `prodready check PATH` on the command line in the meantime.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
