from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from server.audit.chain import GENESIS, event_hash, fields_of
from server.audit.models import Event, Verification
from server.audit.selectors import chain_walk

# pg_advisory_xact_lock key of the chain head ("LXFAUDIT" as a number): held from the moment a
# transaction appends its first event until it commits, so appends take their places one
# after another, never two at one place (a fork) and never with a place left empty (a gap).
CHAIN_LOCK = 0x4C58464155444954


def event_build(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    instance: Any = None,
    task: Any = None,
    before: Any = None,
    after: Any = None,
    **detail: Any,
) -> Event:
    """An unsaved event, for writing several in one statement with `events_save`."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return Event(
        action=action,
        actor=actor,
        instance=instance,
        task=task,
        data_before=before,
        data_after=after,
        detail=detail,
    )


def event_record(**fields: Any) -> Event:
    """Append one audit event. Call inside the transaction of the change it records."""
    event = event_build(**fields)
    events_save([event])
    return event


def _chain_head() -> tuple[int, str]:
    """(seq, hash) of the last event, with the chain lock held until the transaction ends.

    PostgreSQL: a transaction-level advisory lock (READ COMMITTED: the query after it sees
    the event the previous holder committed). SQLite: every write transaction is IMMEDIATE,
    so this one already holds the database's only write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
    head = Event.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head is not None else (0, GENESIS)


def events_save(events: list[Event]) -> None:
    """Append events to the chain in one INSERT, in the caller's transaction.

    Each takes the next place in the chain and the time it took it. The database refuses an
    insert that does not extend the chain at its head (unique `seq` and `prev_hash`, and a
    trigger checking the link), so even a bug here could not fork the chain.
    """
    if not events:
        return
    with transaction.atomic():
        seq, prev_hash = _chain_head()
        now = timezone.now()
        for event in events:
            seq += 1
            event.seq, event.prev_hash, event.created_at = seq, prev_hash, now
            event.hash = prev_hash = event_hash(fields_of(event))
        Event.objects.bulk_create(events)


def audit_verify(
    *,
    by: str,
    requested_by: AbstractBaseUser | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Verification:
    """Walk the chain and record what was found (an append-only row; a whole chain's head is
    the anchor later walks check against)."""
    started = timezone.now()
    report = chain_walk(on_progress=on_progress)
    if requested_by is not None and not requested_by.is_authenticated:
        requested_by = None
    verification = Verification(
        started_at=started,
        finished_at=timezone.now(),
        by=by,
        requested_by=requested_by,
        ok=report.ok,
        checked=report.checked,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_bad=report.first_bad.as_dict() if report.first_bad else None,
    )
    verification.save()
    verification.report = report
    return verification
