from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "server.complaints"
    label = "complaints"
    verbose_name = "投诉处理 / Complaints"

    def ready(self) -> None:
        # Registers this service line's service-task handlers and statutory deadlines.
        from server.complaints import handlers  # noqa: F401
