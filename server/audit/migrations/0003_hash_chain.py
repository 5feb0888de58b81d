"""Chain the audit log: every event gets its place (`seq`), the previous event's hash and its own.

Events already there are chained in id order (the order they were written in). The old
UPDATE trigger is dropped first so they can be, and 0004 puts stronger ones in its place.
"""

from django.db import migrations, models
from django.utils import timezone

from server.audit.chain import GENESIS, event_hash, fields_of


def drop_old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")


def chain_existing(apps, schema_editor):
    event_model = apps.get_model("audit", "Event")
    prev_hash, batch = GENESIS, []
    for seq, event in enumerate(event_model.objects.order_by("id").iterator(chunk_size=2000), start=1):
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = event_hash(fields_of(event))
        batch.append(event)
        if len(batch) >= 1000:
            event_model.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    if batch:
        event_model.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(drop_old_trigger, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=timezone.now),
        ),
        migrations.AddField(model_name="event", name="seq", field=models.BigIntegerField(null=True)),
        migrations.AddField(
            model_name="event", name="prev_hash", field=models.CharField(max_length=64, null=True)
        ),
        migrations.AddField(
            model_name="event", name="hash", field=models.CharField(max_length=64, null=True)
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
