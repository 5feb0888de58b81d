"""Least privilege: the application's PostgreSQL role can add to the audit log, the documents and the
archives and read them, but cannot change, delete, empty or alter them, nor switch their triggers off.

A database of its own, two roles of its own (names unique to this run), migrations run as the owner
in a real `manage.py migrate`, then every statement tried as the application's role.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from server.audit.chain import GENESIS, event_hash

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


@pytest.fixture
def two_roles():
    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    suffix = uuid.uuid4().hex[:8]
    owner, app, database = f"lexflow_owner_{suffix}", f"lexflow_app_{suffix}", f"lexflow_roles_{suffix}"
    admin_url = f"postgres://{settings['USER']}@{host}:{port}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{owner}" LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB')
        admin.execute(f'CREATE ROLE "{app}" LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOINHERIT')
        admin.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
    try:
        yield {
            "owner_url": f"postgres://{owner}@{host}:{port}/{database}",
            "app_url": f"postgres://{app}@{host}:{port}/{database}",
            "app": app,
        }
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{app}"')
            admin.execute(f'DROP ROLE IF EXISTS "{owner}"')


def manage(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "server.config.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(app: psycopg.Connection, statement: str, params: tuple = ()) -> str:
    """Run `statement` as the application; it must fail. The error, for the test to read."""
    with pytest.raises(psycopg.Error) as failure, app.transaction():
        app.execute(statement, params)
    return str(failure.value)


def test_the_application_role_appends_and_reads_but_cannot_change_empty_or_unguard(two_roles):
    manage(two_roles["owner_url"], "migrate", "--noinput")
    granted = manage(two_roles["owner_url"], "db_grant_app_role", two_roles["app"])
    assert "insert-only: audit_event, audit_verification, documents_archive, documents_document" in granted

    with psycopg.connect(two_roles["app_url"], autocommit=True) as app:
        # What the application does all day works.
        moment = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
        row = {
            "seq": 1,
            "prev_hash": GENESIS,
            "action": "test.happened",
            "actor_id": None,
            "instance_id": None,
        }
        row |= {"task_id": None, "created_at": moment, "data_before": None, "data_after": None, "detail": {}}
        with app.transaction():
            app.execute("SELECT pg_advisory_xact_lock(1)")
            app.execute(
                "INSERT INTO audit_event (seq, prev_hash, hash, action, created_at, detail)"
                " VALUES (1, %s, %s, 'test.happened', %s, '{}')",
                (GENESIS, event_hash(row), moment),
            )
        assert app.execute("SELECT count(*) FROM audit_event").fetchone() == (1,)
        app.execute("UPDATE core_workerheartbeat SET doing = '' WHERE false")  # ordinary tables: read/write

        for table in ("audit_event", "audit_verification", "documents_document", "documents_archive"):
            for statement in (
                f"UPDATE {table} SET id = id",
                f"DELETE FROM {table}",
                f"TRUNCATE {table}",
                f"TRUNCATE {table} CASCADE",
                f"ALTER TABLE {table} DISABLE TRIGGER ALL",
                f"ALTER TABLE {table} DISABLE TRIGGER USER",
                f"ALTER TABLE {table} ADD COLUMN forged text",
                f"DROP TABLE {table}",
            ):
                message = refused(app, statement)
                assert "permission denied" in message or "must be owner" in message, (statement, message)
        for statement in (
            "DROP TRIGGER audit_event_append_only ON audit_event",
            "DROP TRIGGER audit_event_chain_link ON audit_event",
            "DROP FUNCTION audit_append_only() CASCADE",
            "ALTER TABLE audit_event DROP CONSTRAINT audit_event_seq_key",
            "SET session_replication_role = replica",
            "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$"
            " LANGUAGE plpgsql",
        ):
            message = refused(app, statement)
            assert "permission denied" in message or "must be owner" in message, (statement, message)
        # The documents' rendering columns are the one thing it may fill in (the trigger guards them).
        refused(app, "UPDATE documents_document SET data = '{}'")
        app.execute("UPDATE documents_document SET sha256 = '' WHERE false")
        assert app.execute("SELECT count(*) FROM audit_event").fetchone() == (1,)
