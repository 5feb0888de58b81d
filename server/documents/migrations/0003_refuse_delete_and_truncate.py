"""Official documents: DELETE refused on SQLite too, and TRUNCATE on PostgreSQL.

0002 left DELETE possible on SQLite and TRUNCATE on PostgreSQL for the test runner's table
flush; the test runner now steps around the triggers itself (tests/conftest.py).
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION documents_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_document_no_truncate BEFORE TRUNCATE ON documents_document
    FOR EACH STATEMENT EXECUTE FUNCTION documents_no_truncate();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS documents_document_no_truncate ON documents_document;
DROP FUNCTION IF EXISTS documents_no_truncate();
"""
SQLITE_FORWARD = """
CREATE TRIGGER documents_document_no_delete BEFORE DELETE ON documents_document
BEGIN SELECT RAISE(ABORT, 'official documents cannot be deleted'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS documents_document_no_delete;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forward, reverse)]
