from django.apps import AppConfig


class NotaryConfig(AppConfig):
    name = "server.notary"
    label = "notary"
    verbose_name = "公证 / Notary"

    def ready(self) -> None:
        # Registers this service line's service-task handlers and statutory deadlines.
        from server.notary import handlers  # noqa: F401
