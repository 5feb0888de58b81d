"""Shared fixtures: demo organisations and users, API clients per user, a deployed test process."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "server" / "fixtures"


def fixture_files(name: str) -> dict[str, bytes]:
    folder = FIXTURES / name
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty throttle counts (the cache is this process's memory)."""
    from django.core.cache import cache

    cache.clear()


def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest's hook signature
    """`postgres_only` tests need PostgreSQL's row locks: they run only when DATABASE_URL points there."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
