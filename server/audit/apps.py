from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "server.audit"
    label = "audit"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from server.audit.admin_events import admin_change_recorded

        post_save.connect(admin_change_recorded, sender=LogEntry, dispatch_uid="audit-admin-log-entry")
