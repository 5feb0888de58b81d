"""The audit log is one hash chain: whatever is changed, removed or slipped in is found, by id and time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from server.audit.chain import GENESIS, event_hash, fields_of
from server.audit.models import Event, Verification
from server.audit.selectors import chain_walk
from server.audit.services import audit_verify, event_build, event_record, events_save
from tests.server.audit.tamper import drop_triggers, execute, insert_event


def record_some(count: int = 5) -> list[Event]:
    return [event_record(action="test.happened", number=number) for number in range(count)]


def head() -> Event:
    return Event.objects.order_by("-seq").first()


def test_each_event_is_chained_to_the_one_before_it_in_the_transaction_that_writes_it(db):
    first = event_record(action="test.first", note="一")
    batch = [event_build(action="test.batch", index=index) for index in range(3)]
    events_save(batch)
    events = list(Event.objects.order_by("seq"))
    assert [event.seq for event in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == GENESIS and events[0].pk == first.pk
    for before, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == before.hash
    for event in events:
        assert event.hash == event_hash(fields_of(event))  # as stored, read back
    report = chain_walk()
    assert (report.ok, report.checked, report.head_seq, report.head_hash) == (True, 4, 4, events[-1].hash)


def test_the_database_refuses_events_that_do_not_extend_the_chain_at_its_head(db):
    events = record_some(3)
    now = events[-1].created_at
    refused = [
        {"seq": 4, "prev_hash": "f" * 64},  # not linked to the head
        {"seq": 2, "prev_hash": events[0].hash},  # a fork at an old place
        {"seq": 9, "prev_hash": events[-1].hash},  # a gap
        {"seq": 1, "prev_hash": GENESIS},  # a second first event
    ]
    for place in refused:
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
            insert_event(action="forged", created_at=now, **place)
    assert Event.objects.count() == 3
    insert_event(action="appended", created_at=now, seq=4, prev_hash=events[-1].hash)
    assert chain_walk().ok


def test_raw_sql_can_neither_edit_nor_delete_nor_empty_the_log(db):
    event = event_record(action="test.happened")
    statements = [
        ("UPDATE audit_event SET action = 'forged' WHERE id = %s", [event.pk]),
        ("DELETE FROM audit_event WHERE id = %s", [event.pk]),
        ("DELETE FROM audit_event", []),
    ]
    if connection.vendor == "postgresql":
        statements.append(("TRUNCATE audit_event", []))
        statements.append(("TRUNCATE audit_event CASCADE", []))
    for sql, params in statements:
        with pytest.raises(DatabaseError), transaction.atomic():
            execute(sql, params)
    assert Event.objects.get(pk=event.pk).action == "test.happened"
    verification = audit_verify(by=Verification.By.COMMAND)
    for sql in ("UPDATE audit_verification SET ok = false", "DELETE FROM audit_verification"):
        with pytest.raises(DatabaseError), transaction.atomic():
            execute(sql)
    assert Verification.objects.get(pk=verification.pk).ok


def fault_of(report) -> tuple[int, str]:
    assert not report.ok
    return report.first_bad.id, report.first_bad.problem


def test_an_event_edited_behind_the_triggers_is_named_with_its_time(db):
    events = record_some()
    drop_triggers()
    execute("UPDATE audit_event SET action = 'test.rewritten' WHERE id = %s", [events[2].pk])
    report = chain_walk()
    assert fault_of(report) == (events[2].pk, "changed")
    assert report.first_bad.at == events[2].created_at and report.first_bad.seq == 3
    assert report.checked == 2


def test_an_event_edited_and_given_a_fresh_hash_is_named_not_the_one_after_it(db):
    events = record_some()
    drop_triggers()
    target = Event.objects.get(pk=events[1].pk)
    target.action = "test.rewritten"
    execute(
        "UPDATE audit_event SET action = %s, hash = %s WHERE id = %s",
        ["test.rewritten", event_hash(fields_of(target)), target.pk],
    )
    assert fault_of(chain_walk()) == (events[1].pk, "rehashed")


def test_a_deleted_event_is_found_at_the_gap_it_leaves(db):
    events = record_some()
    drop_triggers()
    execute("DELETE FROM audit_event WHERE id = %s", [events[2].pk])
    report = chain_walk()
    assert fault_of(report) == (events[3].pk, "missing")
    assert "seq 3" in report.first_bad.as_dict()["message"]


def test_two_events_swapped_in_the_chain_are_found(db):
    events = record_some()
    drop_triggers()
    first, second = events[1], events[2]
    execute("UPDATE audit_event SET seq = -1, prev_hash = 'x' WHERE id = %s", [first.pk])
    execute("UPDATE audit_event SET seq = %s, prev_hash = %s WHERE id = %s", [2, first.prev_hash, second.pk])
    execute("UPDATE audit_event SET seq = %s, prev_hash = %s WHERE id = %s", [3, second.prev_hash, first.pk])
    assert fault_of(chain_walk()) == (second.pk, "changed")


def test_an_event_slipped_in_with_a_low_id_is_out_of_order(db):
    events = record_some(3)
    insert_event(
        id=events[0].pk - 1000,
        action="test.slipped_in",
        created_at=events[-1].created_at,
        seq=4,
        prev_hash=events[-1].hash,
    )
    report = chain_walk()
    assert fault_of(report) == (events[0].pk - 1000, "out_of_order")


def test_the_newest_events_removed_after_a_verification_are_found(db):
    events = record_some()
    assert audit_verify(by=Verification.By.WORKER).ok
    drop_triggers()
    execute("DELETE FROM audit_event WHERE seq > 3")
    report = chain_walk()
    assert fault_of(report) == (events[2].pk, "truncated")
    assert "seq 5" in report.first_bad.as_dict()["message"]


def test_history_rewritten_with_every_hash_recomputed_is_found_at_the_verified_head(db):
    events = record_some()
    assert audit_verify(by=Verification.By.WORKER).head_seq == 5
    event_record(action="test.later")
    drop_triggers()
    # Rewrite event 2 and re-chain everything after it, as a careful forger would.
    prev_hash = events[0].hash
    for event in Event.objects.filter(seq__gte=2).order_by("seq"):
        if event.seq == 2:
            event.action = "test.rewritten"
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash(fields_of(event))
        execute(
            "UPDATE audit_event SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.action, event.prev_hash, event.hash, event.pk],
        )
    assert fault_of(chain_walk()) == (events[4].pk, "rewritten")


@pytest.mark.django_db(transaction=True)
def test_many_writers_at_once_leave_one_chain_without_forks_or_gaps():
    """Real threads, each with its own connection and transactions of one to three events, all
    released together: every event takes its own place, one after another."""
    threads_count, transactions_each = 8, 12
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            barrier.wait()
            for number in range(transactions_each):
                with transaction.atomic():
                    events_save(
                        [
                            event_build(action="test.concurrent", thread=thread, number=number, part=part)
                            for part in range(1 + number % 3)
                        ]
                    )
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(index,)) for index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    expected = threads_count * sum(1 + number % 3 for number in range(transactions_each))
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, expected + 1))  # no gaps, no duplicates
    report = chain_walk()
    assert (report.ok, report.checked) == (True, expected), report.as_dict()
    # Each transaction's events sit together in the chain: nobody's event landed inside another's batch.
    rows = list(Event.objects.order_by("seq").values_list("detail", flat=True))
    batches = [(row["thread"], row["number"]) for row in rows]
    runs = [batch for index, batch in enumerate(batches) if index == 0 or batches[index - 1] != batch]
    assert len(runs) == len(set(runs)) == threads_count * transactions_each


def test_events_of_one_case_dated_before_an_earlier_one_are_back_dated(db, demo):
    from tests.server.audit.test_forged_milestones import a_case

    case = a_case(demo)
    first = event_record(action="task.completed", instance=case)
    insert_event(
        action="task.completed",
        instance_id=case.pk,
        created_at=first.created_at - timedelta(days=3),
        seq=first.seq + 1,
        prev_hash=first.hash,
    )
    bad = head()
    assert fault_of(chain_walk()) == (bad.pk, "back_dated")
