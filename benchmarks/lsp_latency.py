"""Keystroke-to-diagnostics latency of prodready-lsp: `python benchmarks/lsp_latency.py [--edits N]`.

Copies the Django fixture project into a temporary folder, adds a 2,000-line views module to
it, starts the real server over stdio and opens that module. Then:

- isolated edits: one edit at a time, after a pause (as between words), each timed from
  `didChange` to the `publishDiagnostics` of its version;
- back-to-back edits: each sent the moment the previous one's diagnostics arrive, while the
  server still collects the garbage of that analysis;
- Enter pressed at the end of a line of the view and the new line taken back, in turn, each
  after a pause: every line below moves;
- bursts: 20 edits a second for one second, timed from the burst's last edit to the
  diagnostics of its version.

Prints p50, p95 and max of each, and the server's resident memory before the edits and after
each kind of them.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
VIEW = '''

@login_required
def task_report_{n}(request, task_id):
    """Report {n}: the organization's tasks and one of them by id."""
    tasks = Task.objects.filter(organization=request.user.organization)
    done = tasks.filter(status="done").count()
    task = Task.objects.get(pk=task_id)
    rows = []
    for comment in task.comments.all():
        rows.append({{"author": comment.author_id, "body": comment.body}})
    words = sum(len(row["body"].split()) for row in rows)
    context = {{
        "task": task,
        "rows": rows,
        "done": done,
        "words": words,
    }}
    return render(request, "projects/report.html", context)
'''
HEADER = '''"""Generated reports: a long views module for the latency benchmark."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Task
'''


def write_project(folder: Path) -> Path:
    project = folder / "project"
    shutil.copytree(ROOT / "fixtures" / "django_saas", project)
    body = HEADER + "".join(VIEW.format(n=n) for n in range(105))
    (project / "projects" / "reports.py").write_text(body)
    return project / "projects" / "reports.py"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("lsp-latency", "1")
        self.arrived: dict[int, float] = {}
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self.last: list[types.Diagnostic] = []

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(client: Client, params: types.PublishDiagnosticsParams) -> None:
            if params.version is None:
                return
            now = time.perf_counter()
            self.last = params.diagnostics
            self.arrived[params.version] = now
            future = self.waiting.pop(params.version, None)
            if future is not None and not future.done():
                future.set_result(now)

    async def diagnostics_for(self, version: int) -> float:
        if version in self.arrived:
            return self.arrived[version]
        future = asyncio.get_running_loop().create_future()
        self.waiting[version] = future
        return await asyncio.wait_for(future, 120)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"{name:<15} n={len(ms):<4} p50={statistics.median(ms):7.1f} ms  p95={percentile(ms, 0.95):7.1f} ms  "
            f"max={max(ms):7.1f} ms")


async def open_module(client: Client, module: Path) -> tuple[int, str]:
    """Start the server, open the project around `module` and the module itself, and wait for
    its first diagnostics; the server's pid and the module's URI."""
    await client.start_io(sys.executable, "-m", "lsp_server")
    root = module.parents[1]
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")]))
    client.initialized(types.InitializedParams())
    uri = module.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=module.read_text())))
    await client.diagnostics_for(1)
    return client._server.pid, uri  # type: ignore[union-attr]


async def run(edits: int, bursts: int, pause: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        module = write_project(Path(folder))
        text = module.read_text()
        client = Client()
        started = time.perf_counter()
        pid, uri = await open_module(client, module)
        took = time.perf_counter() - started
        print(f"lines={text.count(chr(10))}  diagnostics={len(client.last)}  "
              f"first diagnostics after {took:.2f} s (indexing included)")
        rss_before = rss_mb(pid)
        version = 1
        line = text.split("\n").index('    done = tasks.filter(status="done").count()')
        column = len('    done = tasks.filter(status="d')  # inside the string: every edit stays valid Python

        def edit(character: int, new_text: str, length: int) -> None:
            nonlocal version
            version += 1
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(
                    start=types.Position(line=line, character=character),
                    end=types.Position(line=line, character=character + length)), text=new_text)]))

        isolated = []
        for number in range(edits):  # type a character, then delete it
            await asyncio.sleep(pause)
            sent = time.perf_counter()
            edit(column, "x" if number % 2 == 0 else "", 0 if number % 2 == 0 else 1)
            isolated.append(await client.diagnostics_for(version) - sent)
        rss_isolated = rss_mb(pid)
        back_to_back = []
        for number in range(edits):
            sent = time.perf_counter()
            edit(column, "x" if number % 2 == 0 else "", 0 if number % 2 == 0 else 1)
            back_to_back.append(await client.diagnostics_for(version) - sent)
        rss_back_to_back = rss_mb(pid)
        enter = []
        end_of_line = len(text.split("\n")[line])
        for number in range(edits // 2):  # press Enter at the end of the line, then take the new line back
            await asyncio.sleep(pause)
            version += 1
            change = types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=line, character=end_of_line),
                                  end=types.Position(line=line, character=end_of_line)), text="\n    ") \
                if number % 2 == 0 else types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=line, character=end_of_line),
                                  end=types.Position(line=line + 1, character=4)), text="")
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change]))
            enter.append(await client.diagnostics_for(version) - sent)
        burst_latencies = []
        for _ in range(bursts):
            for number in range(20):
                edit(column, "x" if number % 2 == 0 else "", 0 if number % 2 == 0 else 1)
                last = time.perf_counter()
                await asyncio.sleep(0.05)
            burst_latencies.append(await client.diagnostics_for(version) - last)
        await asyncio.sleep(pause)
        rss_after = rss_mb(pid)
        print(summary("isolated edit", isolated))
        print(summary("back to back", back_to_back))
        print(summary("Enter, undone", enter))
        if burst_latencies:
            print(summary("end of burst", burst_latencies))
        print(f"server RSS      before={rss_before:.0f} MB  after isolated={rss_isolated:.0f} MB  "
              f"after back to back={rss_back_to_back:.0f} MB  after bursts={rss_after:.0f} MB")
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--bursts", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds of quiet before each isolated edit")
    args = parser.parse_args()
    asyncio.run(run(args.edits, args.bursts, args.pause))
    return 0


if __name__ == "__main__":
    sys.exit(main())
