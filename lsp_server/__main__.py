"""Entry point of `prodready-lsp` and `python -m lsp_server`: stdio by default, `--tcp` for
debugging with a client that connects to a port."""

from __future__ import annotations

import contextlib
import os
import sys

if __name__ == "__main__" and sys.path and sys.path[0] in ("", os.getcwd()):
    # `python -m lsp_server` puts the working directory first on sys.path, and editors start
    # the server in the project it analyses: a package of the project named like ours
    # (`analyzer`) or like a dependency would be imported, and run, in their place.
    del sys.path[0]

import argparse
import logging

import analyzer
from analyzer.lang import quiet_parsers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prodready-lsp", description="prodready's language server.")
    parser.add_argument("--version", action="version", version=f"prodready-lsp {analyzer.__version__}")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin and stdout (the default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead, for debugging")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="what to log on stderr (stdout is the protocol)")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level, format="prodready-lsp %(levelname)s %(message)s")
    quiet_parsers()

    from .framing import ResyncingStdin
    from .output import QueuedStdout
    from .server import server  # imported late: `--version` and `--help` stay instant

    # Reading a message takes the GIL several times (over stdio, in hops through a thread);
    # while an analysis holds it, each wait lasts the switch interval (5 ms by default), and a
    # client that sends edits faster than about 60 a second leaves the server behind.
    sys.setswitchinterval(0.0005)
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            parser.error(f"--tcp wants HOST:PORT, got {args.tcp!r}")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        stdout = QueuedStdout(sys.stdout.buffer)
        sys.stdout = sys.stderr  # the client reads stdout as JSON-RPC: a stray print goes to the log
        server.start_io(stdin=ResyncingStdin(sys.stdin.buffer), stdout=stdout)  # type: ignore[arg-type]
        stdout.finish(EXIT_GRACE)
    # pygls's `exit` handler calls sys.exit(1) without a shutdown first, as the protocol says,
    # but from a callback whose SystemExit goes nowhere; the code is given here instead.
    return 0 if server.protocol._shutdown else 1


# Seconds the messages still queued at exit get to go out: a client that reads takes them at
# once; one that stopped reading must not keep the process alive.
EXIT_GRACE = 2.0


def console() -> None:
    """The `prodready-lsp` command: `main`, then out at once. After `exit`, or when the client
    closes stdin, an analysis or an indexing may still run on the worker thread; an interpreter
    that shuts down normally would wait for it, minutes on a large project."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # the client is gone, or pygls closed stdout
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    console()
