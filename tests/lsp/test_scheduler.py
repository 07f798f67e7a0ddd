"""Latest-wins scheduling, with an analysis we can hold open."""

from __future__ import annotations

import asyncio

from lsp_server.scheduler import LatestWins


async def test_edits_during_an_analysis_are_analysed_once_together() -> None:
    started: list[str] = []
    release = asyncio.Event()

    async def analyse(uri: str) -> None:
        started.append(uri)
        if len(started) == 1:
            await release.wait()

    scheduler = LatestWins(analyse)
    scheduler.ready()
    scheduler.request("file:///views.py")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert started == ["file:///views.py"]  # idle: analysed at once, no debounce
    for _ in range(20):
        scheduler.request("file:///views.py")
    scheduler.request("file:///models.py")
    release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert started == ["file:///views.py", "file:///views.py", "file:///models.py"]


async def test_nothing_runs_before_the_index_is_ready_and_a_failure_stops_nothing() -> None:
    started: list[str] = []

    async def analyse(uri: str) -> None:
        started.append(uri)
        if uri.endswith("broken.py"):
            raise RuntimeError("a bug in one analysis")

    scheduler = LatestWins(analyse)
    scheduler.request("file:///broken.py")
    scheduler.request("file:///views.py")
    for _ in range(5):
        await asyncio.sleep(0)
    assert started == []
    scheduler.ready()
    for _ in range(10):
        await asyncio.sleep(0)
    assert started == ["file:///broken.py", "file:///views.py"]


async def test_the_idle_hook_runs_once_nothing_is_wanted_and_before_the_next_analysis() -> None:
    events: list[str] = []
    release = asyncio.Event()

    async def analyse(uri: str) -> None:
        events.append(uri)
        if len(events) == 1:
            await release.wait()

    async def idle() -> None:
        events.append("idle")

    scheduler = LatestWins(analyse, idle)
    scheduler.ready()
    scheduler.request("file:///views.py")
    await asyncio.sleep(0)
    scheduler.request("file:///views.py")
    scheduler.request("file:///models.py")
    release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert events == ["file:///views.py", "file:///views.py", "file:///models.py", "idle"]
    scheduler.request_idle()  # an analysis made outside the queue, for a pull request
    for _ in range(5):
        await asyncio.sleep(0)
    assert events[-2:] == ["idle", "idle"]
    scheduler.request("file:///views.py")
    for _ in range(5):
        await asyncio.sleep(0)
    assert events[-2:] == ["file:///views.py", "idle"]


async def test_a_stream_of_edits_is_served_before_the_idle_hook() -> None:
    """Edits that keep coming in, each shortly after the last analysis, are analysed one after
    another; the idle hook waits until none has come for the quiet period."""
    events: list[str] = []

    async def analyse(uri: str) -> None:
        events.append(uri)

    async def idle() -> None:
        events.append("idle")

    scheduler = LatestWins(analyse, idle, quiet=0.05)
    scheduler.ready()
    for _ in range(3):
        scheduler.request("file:///views.py")
        await asyncio.sleep(0.01)  # the next edit is read in before the quiet period ends
    assert events == ["file:///views.py"] * 3
    await asyncio.sleep(0.1)
    assert events == ["file:///views.py"] * 3 + ["idle"]
