"""The database itself keeps the chain whole: no gaps or forks, no edits, no deletions.

PostgreSQL: UPDATE, DELETE and TRUNCATE of events and verification records are refused; an
INSERT must extend the chain at its head (its `prev_hash` is the hash of event `seq - 1`).
SQLite: the same, TRUNCATE aside (it has none). The test runner empties tables another way
(see tests/conftest.py). Whoever can drop these triggers (the owner role; the application's
role cannot, see README "Least privilege") still cannot hide a change from the verification.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION audit_event_chain_link() RETURNS trigger AS $$
BEGIN
    IF NEW.seq = 1 AND NEW.prev_hash = '{GENESIS}' THEN
        RETURN NEW;
    END IF;
    IF NEW.seq > 1 AND EXISTS (
        SELECT 1 FROM audit_event WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit event seq % does not extend the chain', NEW.seq;
END;
$$ LANGUAGE plpgsql VOLATILE;
DROP FUNCTION IF EXISTS audit_event_append_only();
CREATE TRIGGER audit_event_chain_link BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain_link();
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_verification_append_only BEFORE UPDATE OR DELETE ON audit_verification
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_verification_no_truncate BEFORE TRUNCATE ON audit_verification
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS audit_event_chain_link ON audit_event;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;
DROP TRIGGER IF EXISTS audit_verification_append_only ON audit_verification;
DROP TRIGGER IF EXISTS audit_verification_no_truncate ON audit_verification;
DROP FUNCTION IF EXISTS audit_event_chain_link();
DROP FUNCTION IF EXISTS audit_append_only();
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER audit_event_chain_link BEFORE INSERT ON audit_event
    WHEN NOT ((NEW.seq = 1 AND NEW.prev_hash = '{GENESIS}') OR (NEW.seq > 1 AND EXISTS (
        SELECT 1 FROM audit_event WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash)))
    BEGIN SELECT RAISE(ABORT, 'audit event does not extend the chain'); END""",
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER audit_verification_no_update BEFORE UPDATE ON audit_verification
    BEGIN SELECT RAISE(ABORT, 'audit verifications are append-only'); END""",
    """CREATE TRIGGER audit_verification_no_delete BEFORE DELETE ON audit_verification
    BEGIN SELECT RAISE(ABORT, 'audit verifications are append-only'); END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "audit_event_chain_link",
        "audit_event_no_update",
        "audit_event_no_delete",
        "audit_verification_no_update",
        "audit_verification_no_delete",
    )
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_hash_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="seq",
            field=models.BigIntegerField(unique=True, help_text="place in the chain, from 1, without gaps"),
        ),
        migrations.AlterField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(max_length=64, unique=True, help_text="hash of event seq-1"),
        ),
        migrations.AlterField(
            model_name="event",
            name="hash",
            field=models.CharField(max_length=64, help_text="sha256 of the canonical content and prev_hash"),
        ),
        migrations.CreateModel(
            name="Verification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField()),
                (
                    "by",
                    models.CharField(
                        choices=[
                            ("worker", "后台任务 / Daily worker run"),
                            ("command", "命令行 / manage.py audit_verify"),
                            ("api", "接口 / API"),
                        ],
                        max_length=16,
                    ),
                ),
                ("ok", models.BooleanField()),
                ("checked", models.PositiveBigIntegerField()),
                (
                    "head_seq",
                    models.BigIntegerField(
                        help_text="the last event checked, when the chain was whole", null=True
                    ),
                ),
                ("head_hash", models.CharField(blank=True, max_length=64)),
                ("first_bad", models.JSONField(blank=True, null=True)),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-id"]},
        ),
        migrations.RunPython(forward, reverse),
    ]
