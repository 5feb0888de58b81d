"""Celery app for background work when Lexflow is scaled out (notifications, documents)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.config.settings.local")
app = Celery("lexflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
