"""Shared fixtures: demo organisations and users, API clients per user, a deployed test process."""

import os
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


def pytest_collection_modifyitems(config, items) -> None:
    """`postgres_only` tests (row locks, real threads racing) run in the PostgreSQL pass (DATABASE_URL
    set); on SQLite they are deselected, not skipped: CI runs them in its PostgreSQL pass."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    deselected = [item for item in items if "postgres_only" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if "postgres_only" not in item.keywords]


@pytest.fixture(autouse=True, scope="session")
def _flush_past_append_only_triggers():
    """Let transactional tests' teardown empty the append-only tables, and only that.

    pytest-django's `transactional_db` ends each test with Django's `flush` command, which runs
    `connection.ops.sql_flush(...)` through `execute_sql_flush` in one transaction: TRUNCATE on
    PostgreSQL, DELETE on SQLite, both of which the audit and document triggers refuse. Here
    the flush alone steps around them: on PostgreSQL with `session_replication_role = replica`
    for that transaction (the test database's superuser may; the application's role may not),
    on SQLite by dropping the DELETE triggers of the flushed tables and putting them back in
    the same transaction.
    """
    from django.db import connections

    patched = {}
    for connection in connections.all():
        ops_class = type(connection.ops)
        if ops_class in patched:
            continue
        original = ops_class.sql_flush
        patched[ops_class] = original

        def sql_flush(self, style, tables, *args, _original=original, **kwargs):
            statements = _original(self, style, tables, *args, **kwargs)
            if not statements:
                return statements
            if self.connection.vendor == "postgresql":
                return ["SET LOCAL session_replication_role = replica", *statements]
            if self.connection.vendor == "sqlite":
                with self.connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                        " AND sql LIKE '%BEFORE DELETE%'"
                        f" AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                        list(tables),
                    )
                    triggers = cursor.fetchall()
                drop = [f'DROP TRIGGER "{name}"' for name, _ in triggers]
                return [*drop, *statements, *(sql for _, sql in triggers)]
            return statements

        ops_class.sql_flush = sql_flush
    yield
    for ops_class, original in patched.items():
        ops_class.sql_flush = original
