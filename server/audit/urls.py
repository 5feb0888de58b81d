from django.urls import path

from server.audit import api

urlpatterns = [
    path("audit/events", api.AuditEventListApi.as_view(), name="audit-events"),
    path("audit/verify", api.AuditVerifyApi.as_view(), name="audit-verify"),
]
