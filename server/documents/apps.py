from django.apps import AppConfig
from django.core import checks


class DocumentsConfig(AppConfig):
    name = "server.documents"
    label = "documents"
    verbose_name = "文书 / Official documents"

    def ready(self) -> None:
        from server.documents import services  # noqa: F401 - registers the render job
        from server.documents.toolchain import pdf_toolchain_check

        checks.register(pdf_toolchain_check)
