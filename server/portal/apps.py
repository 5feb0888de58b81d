from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "server.portal"
    label = "portal"
    verbose_name = "申请人门户 / Applicant portal"
