"""pytest: SQLite unless DATABASE_URL points at PostgreSQL; fast password hashing."""

import os

from server.config.settings.base import *  # noqa: F403
from server.config.settings.base import SECRET_KEY

SECRET_KEY = SECRET_KEY or "lexflow-tests-only"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: threads in the concurrency tests then get SQLite's
    # real locking (busy timeout, IMMEDIATE transactions) instead of "table is locked".
    # LEXFLOW_TEST_DB names the file, so two checkouts or sessions can test side by side.
    name = os.environ.get("LEXFLOW_TEST_DB", "test-lexflow")
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"{name}.sqlite3")}  # noqa: F405
