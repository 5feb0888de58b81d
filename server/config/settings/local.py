"""`make run`: a developer's machine. Debug on, a fixed non-secret key."""

from server.config.settings.base import *  # noqa: F403
from server.config.settings.base import SECRET_KEY, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "lexflow-local-development-only"
