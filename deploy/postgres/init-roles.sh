#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): Lexflow's two roles and its database.
#
#   lexflow_owner  owns the tables and runs the migrations (the `migrate` service)
#   lexflow_app    what the web server and the workers log in as: it reads and writes the case
#                  tables, but may only insert into and read the audit log, the official
#                  documents and the case archives (granted by `manage.py db_grant_app_role`,
#                  which the `migrate` service runs after every migrate)
#
# Neither is a superuser, so neither can set session_replication_role; only the owner can
# alter the tables or their triggers. The superuser (POSTGRES_USER) is for this script and
# for administrators, never for Lexflow.
set -eu
: "${LEXFLOW_OWNER_PASSWORD:?set LEXFLOW_OWNER_PASSWORD}"
: "${LEXFLOW_APP_PASSWORD:?set LEXFLOW_APP_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$LEXFLOW_OWNER_PASSWORD" -v app_password="$LEXFLOW_APP_PASSWORD" <<'SQL'
CREATE ROLE lexflow_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE lexflow_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
CREATE DATABASE lexflow OWNER lexflow_owner;
REVOKE ALL ON DATABASE lexflow FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE lexflow TO lexflow_app;
SQL

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname lexflow <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO lexflow_owner;
SQL
