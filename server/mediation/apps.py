from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "server.mediation"
    label = "mediation"
    verbose_name = "人民调解 / People's mediation"

    def ready(self) -> None:
        # Registers this service line's service-task handlers and statutory deadlines.
        from server.mediation import handlers  # noqa: F401
