from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CoreConfig(AppConfig):
    name = "server.core"
    label = "core"

    def ready(self) -> None:
        from server.core import calendar
        from server.core.models import CalendarOverride

        def forget(**_: object) -> None:
            calendar.overrides_changed()

        post_save.connect(forget, sender=CalendarOverride, weak=False, dispatch_uid="calendar-override-saved")
        post_delete.connect(
            forget, sender=CalendarOverride, weak=False, dispatch_uid="calendar-override-deleted"
        )
