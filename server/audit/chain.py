"""The hash chain of the audit log: what an event's hash covers, and how it is computed.

One chain for the whole log: event `seq` N carries `prev_hash` (the hash of event N-1, or
GENESIS for the first) and `hash` = sha256 of its canonical content, prev_hash included.
Changing, removing, inserting or reordering any event therefore breaks the chain at that
event, and `server.audit.verify` finds it. This module is pure (no database): the
verification, the archive and anyone re-checking an export compute hashes the same way.

The canonical content is JSON with sorted keys, no spaces and UTF-8 text; times in UTC with
microseconds; whole floats written as integers (PostgreSQL's jsonb gives 1e16 back as an
integer). Never change it: every stored hash depends on it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "prev_hash",
    "action",
    "actor_id",
    "instance_id",
    "task_id",
    "created_at",
    "data_before",
    "data_after",
    "detail",
)


def _normalise(value: Any) -> Any:
    """JSON as the database gives it back: lists for tuples, string keys, whole floats as ints."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    # Anything else was stored through json (it would have failed to save otherwise).
    return _normalise(json.loads(json.dumps(value)))


def moment_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes an event's hash is taken over (`fields` holds HASHED_FIELDS)."""
    content = {name: fields[name] for name in HASHED_FIELDS}
    content["created_at"] = moment_text(content["created_at"])
    for name in ("data_before", "data_after", "detail"):
        content[name] = _normalise(content[name])
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def event_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def fields_of(event: Any) -> dict[str, Any]:
    """HASHED_FIELDS of an Event instance."""
    return {name: getattr(event, name) for name in HASHED_FIELDS}
