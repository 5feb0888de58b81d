"""Production: every secret from the environment; refuses to start without one."""

from django.core.exceptions import ImproperlyConfigured

from server.config.settings.base import *  # noqa: F403
from server.config.settings.base import SECRET_KEY, env_bool

if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY for production.")
DEBUG = False
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
