"""Make the documents table refuse changes in the database itself, not only through the ORM.

The one change allowed is the rendering bookkeeping of a row whose PDF is still NULL (see
`server.documents.models`); once the PDF is in, the row is frozen.
"""

from django.db import migrations

# Columns fixed at issue: changing any of them is refused even before rendering.
FIXED = ["id", "instance_id", "template", "title", "bpmn_id", "verification_code", "data", "issued_by_id"]
FIXED += ["created_at"]

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION documents_document_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'official documents cannot be deleted';
    END IF;
    IF OLD.pdf IS NOT NULL OR {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)} THEN
        RAISE EXCEPTION 'official documents are append-only (only the first rendering fills in the PDF)';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_document_append_only BEFORE UPDATE OR DELETE ON documents_document
    FOR EACH ROW EXECUTE FUNCTION documents_document_append_only();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS documents_document_append_only ON documents_document;
DROP FUNCTION IF EXISTS documents_document_append_only();
"""
# SQLite: updates are refused; deletes stay possible so the test runner can empty tables.
SQLITE_FORWARD = f"""
CREATE TRIGGER documents_document_append_only BEFORE UPDATE ON documents_document
WHEN OLD.pdf IS NOT NULL OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)}
BEGIN SELECT RAISE(ABORT, 'official documents are append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS documents_document_append_only;"


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
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
