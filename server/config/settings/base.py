"""Settings shared by every environment. Everything that varies is read from the environment here."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parents[3]  # the repository root
VAR_DIR = Path(os.environ.get("LEXFLOW_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "server.core",
    "server.accounts",
    "server.audit",
    "server.processes",
    "server.legal_aid",
    "server.notary",
    "server.mediation",
    "server.complaints",
    "server.documents",
    "server.portal",
    "server.jobs",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "server.core.middleware.RefuseNulInQueryMiddleware",  # a NUL in a query: 400, not a 500 on PostgreSQL
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into its 429
]

# Password guessing (django-axes): after LEXFLOW_LOGIN_FAILURES failed logins for one account
# from one address, that account is refused from that address for LEXFLOW_LOGIN_COOLOFF_MINUTES
# (others in the same office, behind the same address, are not). A success clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LEXFLOW_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LEXFLOW_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "server.accounts.lockout.locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "server.config.urls"
WSGI_APPLICATION = "server.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env() -> dict:
    """PostgreSQL (or an SQLite file) when DATABASE_URL is set, else the embedded SQLite file under var/."""
    url = os.environ.get("DATABASE_URL")
    if url and not url.startswith("sqlite:"):
        config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
        config["CONN_HEALTH_CHECKS"] = True
        if config["ENGINE"].endswith("postgresql") and env_bool("DB_SERVER_SIDE_BINDING", True):
            # Real bind parameters let PostgreSQL prepare the hot statements once per
            # connection instead of parsing and planning them on every request.
            config.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})
        return config
    if url:
        name = dj_database_url.parse(url)["NAME"]
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        name = VAR_DIR / "lexflow.sqlite3"
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        # IMMEDIATE takes the write lock when a transaction starts, so two workers or two
        # requests serialize instead of failing late with "database is locked".
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The built web app (`make frontend`): whitenoise serves its files at the site root.
FRONTEND_DIST = Path(os.environ.get("LEXFLOW_FRONTEND_DIST", BASE_DIR / "frontend" / "dist"))
WHITENOISE_ROOT = FRONTEND_DIST if FRONTEND_DIST.is_dir() else None
# Vite names every built asset with a content hash: safe to cache for good.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+[.-][0-9A-Za-z_-]{8}\.\w+$"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at every start without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "server.core.parsers.BoundedJSONParser",  # JSON nested at most 64 deep
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "server.core.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {"register": os.environ.get("LEXFLOW_REGISTER_RATE", "20/hour")},
}

# Throttle counts must be shared by every web process: Redis when LEXFLOW_CACHE_URL is set
# (docker-compose sets it), this process's memory otherwise (one `make run` server).
CACHE_URL = os.environ.get("LEXFLOW_CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Lexflow API",
    "DESCRIPTION": "BPMN workflow server for public legal services (法律服务流程平台).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InstanceStatusEnum": "server.processes.models.InstanceStatus",
        "TaskStatusEnum": "server.processes.models.TaskStatus",
        "TimerStatusEnum": "server.processes.models.TimerStatus",
        "IncidentStatusEnum": "server.processes.models.IncidentStatus",
        "ConsultationStatusEnum": "server.processes.models.ConsultationStatus",
    },
}

# Background jobs (PDFs, archives, notifications, asynchronous service tasks) are rows of an
# outbox (server.jobs), run by `run_worker --kind jobs` itself (LEXFLOW_JOBS=database, the
# embedded default) or handed to Celery workers through Redis (LEXFLOW_JOBS=celery). Timers are
# never Celery's: the sweep is a database loop (`run_worker --kind timers`), so a due moment
# survives a broker flush.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task does not lose it...
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # ...nor sit on tasks another worker could run now
CELERY_BROKER_CONNECTION_TIMEOUT = 2  # a broker that is down must not hold up a request
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# A job that hangs is stopped by Celery before its claim (LEXFLOW_JOB_LEASE_SECONDS, 300) lapses.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 270
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

LEXFLOW = {
    # Seconds between sweeps of `manage.py run_worker` when there is nothing to do.
    "WORKER_INTERVAL": float(os.environ.get("LEXFLOW_WORKER_INTERVAL", "1")),
    # Every worker writes its heartbeat this often, from a thread beside its work; one whose
    # heartbeat is older than WORKER_STALE_AFTER is reported dead by /api/v1/health, and its
    # row is forgotten after WORKER_FORGET_AFTER.
    "WORKER_HEARTBEAT": float(os.environ.get("LEXFLOW_WORKER_HEARTBEAT", "1")),
    "WORKER_STALE_AFTER": float(os.environ.get("LEXFLOW_WORKER_STALE_AFTER", "5")),
    "WORKER_FORGET_AFTER": float(os.environ.get("LEXFLOW_WORKER_FORGET_AFTER", "600")),
    # One unit of work running longer than this (seconds) is reported stuck: the timers of one
    # instance (scripts are limited to SCRIPT_TIME_LIMIT each), or one job (a PDF, say).
    "WORKER_STUCK_AFTER": {
        "timers": float(os.environ.get("LEXFLOW_TIMER_STUCK_AFTER", "30")),
        "jobs": float(os.environ.get("LEXFLOW_JOB_STUCK_AFTER", "120")),
        "celery": float(os.environ.get("LEXFLOW_JOB_STUCK_AFTER", "120")),
    },
    # Where background jobs run: "database" (run_worker --kind jobs runs them) or "celery".
    "JOBS": os.environ.get("LEXFLOW_JOBS", "database"),
    # A runner's claim on a job lapses after this long (then another runs it): longer than any job.
    "JOB_LEASE_SECONDS": float(os.environ.get("LEXFLOW_JOB_LEASE_SECONDS", "300")),
    # Celery mode: a job handed to Celery and still not started this long after is handed again.
    "JOB_REPUBLISH_AFTER": float(os.environ.get("LEXFLOW_JOB_REPUBLISH_AFTER", "60")),
    # The jobs worker runs at this lower CPU priority (nice), below timers and the web server.
    "JOB_WORKER_NICE": int(os.environ.get("LEXFLOW_JOB_WORKER_NICE", "10")),
    "SCRIPT_TIME_LIMIT": float(os.environ.get("LEXFLOW_SCRIPT_TIME_LIMIT", "1.0")),
    # MiB a script's sandbox process may allocate beyond what it starts with (workflows.sandbox).
    "SCRIPT_MEMORY_LIMIT": int(os.environ.get("LEXFLOW_SCRIPT_MEMORY_LIMIT", "256")),
    # Seconds a client is asked to wait (Retry-After of the 503) while the database is out of reach.
    "OUTAGE_RETRY_AFTER": int(os.environ.get("LEXFLOW_OUTAGE_RETRY_AFTER", "5")),
    # How long a start's or completion's Idempotency-Key is kept: a retry within it gets the
    # first answer again; afterwards the key is deleted and may be used anew.
    "IDEMPOTENCY_KEY_HOURS": int(os.environ.get("LEXFLOW_IDEMPOTENCY_KEY_HOURS", "24")),
    "MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    # Applicants' uploads (PDF, JPG, PNG, DOC, DOCX), each; and a saved form draft.
    "MAX_ATTACHMENT_BYTES": int(os.environ.get("LEXFLOW_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))),
    "MAX_DRAFT_BYTES": 256 * 1024,
    # An office document (DOCX, any zip-based upload) is refused when its content would expand
    # past this many bytes, holds more members than this, or a large member packs more tightly
    # than this ratio: a zip bomb posing as a DOCX costs nothing to refuse.
    "MAX_UNZIPPED_BYTES": int(os.environ.get("LEXFLOW_MAX_UNZIPPED_BYTES", str(50 * 1024 * 1024))),
    "MAX_ZIP_MEMBERS": int(os.environ.get("LEXFLOW_MAX_ZIP_MEMBERS", "1000")),
    "MAX_ZIP_RATIO": int(os.environ.get("LEXFLOW_MAX_ZIP_RATIO", "200")),
    # Uploads that reached no case (and no draft) are deleted after this many days.
    "UNLINKED_UPLOAD_DAYS": int(os.environ.get("LEXFLOW_UNLINKED_UPLOAD_DAYS", "30")),
    # Where the public reaches this server: printed (and as a QR code) on official notices so
    # anyone holding one can check it at /api/v1/documents/verify/<code>.
    "PUBLIC_URL": os.environ.get("LEXFLOW_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
    # The audit chain is verified by the document worker this often (hours); an event of a case
    # dated more than AUDIT_CLOCK_TOLERANCE seconds before an earlier event of the same case is
    # reported as back-dated (and left out of the figures).
    "AUDIT_VERIFY_EVERY_HOURS": float(os.environ.get("LEXFLOW_AUDIT_VERIFY_EVERY_HOURS", "24")),
    "AUDIT_CLOCK_TOLERANCE": float(os.environ.get("LEXFLOW_AUDIT_CLOCK_TOLERANCE", "60")),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = LEXFLOW["MAX_UPLOAD_BYTES"]
FILE_UPLOAD_MAX_MEMORY_SIZE = LEXFLOW["MAX_UPLOAD_BYTES"]
# First in line: refuses an upload over its limit before it is read past it (server/core/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "server.core.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "lexflow": {"handlers": ["console"], "level": os.environ.get("LEXFLOW_LOG_LEVEL", "INFO")},
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}
