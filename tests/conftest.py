"""Test-run order: end-to-end tests (real server processes) run after the fast ones, so that
`pytest -m "not e2e"` and the head of a full run give the quick answer first."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
