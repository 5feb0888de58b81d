from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "server.documents"
    label = "documents"
    verbose_name = "文书 / Official documents"
