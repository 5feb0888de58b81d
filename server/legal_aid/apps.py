from django.apps import AppConfig


class LegalAidConfig(AppConfig):
    name = "server.legal_aid"
    label = "legal_aid"
    verbose_name = "法律援助 / Legal aid"

    def ready(self) -> None:
        # Registers this service line's service-task handlers and statutory deadlines.
        from server.legal_aid import handlers  # noqa: F401
