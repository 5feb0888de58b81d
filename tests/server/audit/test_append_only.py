import pytest
from django.db import connection

from server.audit.models import AppendOnlyError, Event
from server.audit.services import event_record


def test_audit_events_cannot_be_edited_or_deleted_through_the_orm(db):
    event = event_record(action="test.happened", detail_key="value")
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert Event.objects.get(pk=event.pk).action == "test.happened"


def test_audit_events_cannot_be_edited_with_raw_sql(db):
    from django.db import DatabaseError, transaction

    event = event_record(action="test.happened")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET action = 'forged' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).action == "test.happened"
