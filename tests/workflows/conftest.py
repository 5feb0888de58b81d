"""Fixtures for the engine tests: plain pytest, no Django."""

from __future__ import annotations

import pytest

from workflows import Engine


@pytest.fixture
def engine() -> Engine:
    return Engine(services={"echo": lambda params: {"echoed": params}}, script_time_limit=0.5)
