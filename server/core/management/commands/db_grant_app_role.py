"""Give the application's PostgreSQL role what it needs and no more (run as the owner, after migrate).

Lexflow runs with two roles (see README "Least privilege in the database"): an owner, who
owns the tables and runs migrations, and the application's role, which logs in for the web
server and the workers. This grants the application's role reading and writing of every
table except the append-only ones, which it may read and insert into only (the documents'
rendering columns aside, which the triggers still guard). Without ownership it cannot
TRUNCATE, ALTER, DROP or disable their triggers; as no superuser it cannot set
`session_replication_role`. Safe to run again: it starts from nothing each time.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from server.documents.models import RENDER_FIELDS

# table -> columns the application may still UPDATE (documents: the PDF filled in once).
APPEND_ONLY_TABLES: dict[str, frozenset[str]] = {
    "audit_event": frozenset(),
    "audit_verification": frozenset(),
    "documents_document": RENDER_FIELDS,
    "documents_archive": frozenset(),
}
# Only the owner's `migrate` writes these.
READ_ONLY_TABLES = frozenset({"django_migrations"})


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role its privileges: read/write, append-only tables insert-only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("role", help="the application's login role, e.g. lexflow_app")

    def handle(self, *args, role: str, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are a PostgreSQL matter; SQLite has none.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"No role {role!r}: create it first (see deploy/postgres/init-roles.sh).")
            if found[0]:
                raise CommandError(f"{role!r} is a superuser: the application must not be one.")
            who = sql.Identifier(role)
            tables = connection.introspection.table_names(cursor)
            cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who))
            for table in tables:
                name = sql.Identifier(table)
                cursor.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(name, who))
                if table in APPEND_ONLY_TABLES:
                    cursor.execute(sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(name, who))
                    if columns := sorted(APPEND_ONLY_TABLES[table]):
                        listed = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
                        cursor.execute(
                            sql.SQL("GRANT UPDATE ({}) ON TABLE {} TO {}").format(listed, name, who)
                        )
                elif table in READ_ONLY_TABLES:
                    cursor.execute(sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(name, who))
                else:
                    cursor.execute(
                        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {} TO {}").format(name, who)
                    )
            cursor.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who))
        append_only = ", ".join(sorted(table for table in APPEND_ONLY_TABLES if table in tables))
        self.stdout.write(f"{role}: {len(tables)} tables; insert-only: {append_only}")
