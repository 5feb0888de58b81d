from django.apps import AppConfig
from django.core import checks


class DocumentsConfig(AppConfig):
    name = "server.documents"
    label = "documents"
    verbose_name = "文书 / Official documents"

    def ready(self) -> None:
        from server.documents.toolchain import pdf_toolchain_check

        checks.register(pdf_toolchain_check)
