"""What someone holding the database owner's password can do behind the application's back."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from server.audit.chain import event_hash

TRIGGERS = {
    "postgresql": ["audit_event_chain_link", "audit_event_append_only", "audit_event_no_truncate"],
    "sqlite": ["audit_event_chain_link", "audit_event_no_update", "audit_event_no_delete"],
}


def drop_triggers() -> None:
    """DROP the audit table's triggers (inside the test's transaction, so they come back after)."""
    with connection.cursor() as cursor:
        for name in TRIGGERS[connection.vendor]:
            on = " ON audit_event" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER {name}{on}")


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def insert_event(**fields: Any) -> int:
    """INSERT an event with raw SQL, as a forger would; `hash` is computed unless given."""
    row = {
        "actor_id": None,
        "instance_id": None,
        "task_id": None,
        "data_before": None,
        "data_after": None,
        "detail": {},
        **fields,
    }
    row.setdefault("hash", event_hash(row))
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    columns = [
        "seq",
        "prev_hash",
        "hash",
        "action",
        "actor_id",
        "instance_id",
        "task_id",
        "created_at",
        "data_before",
        "data_after",
        "detail",
    ]
    values = [row[name] for name in columns]
    values[columns.index("created_at")] = connection.ops.adapt_datetimefield_value(row["created_at"])
    for name in ("data_before", "data_after", "detail"):
        index = columns.index(name)
        values[index] = None if row[name] is None else _json(row[name])
    placeholders = [
        f"%s{cast}" if name in ("data_before", "data_after", "detail") else "%s" for name in columns
    ]
    if "id" in fields:
        columns.insert(0, "id")
        values.insert(0, fields["id"])
        placeholders.insert(0, "%s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_event ({', '.join(columns)}) VALUES ({', '.join(placeholders)})", values
        )
    from server.audit.models import Event

    return Event.objects.get(seq=row["seq"]).pk
