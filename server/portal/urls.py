from django.urls import path

from server.portal import api

urlpatterns = [
    path("auth/register", api.RegisterApi.as_view(), name="auth-register"),
    path("services", api.ServiceListApi.as_view(), name="service-list"),
    path("services/<slug:key>", api.ServiceDetailApi.as_view(), name="service-detail"),
    path("drafts", api.DraftListApi.as_view(), name="draft-list"),
    path("drafts/<slug:process_key>", api.DraftDetailApi.as_view(), name="draft-detail"),
    path("attachments", api.AttachmentListApi.as_view(), name="attachment-list"),
    path("attachments/<uuid:pk>", api.AttachmentDownloadApi.as_view(), name="attachment-download"),
    path(
        "instances/<int:pk>/attachments", api.InstanceAttachmentListApi.as_view(), name="instance-attachments"
    ),
    path("instances/<int:pk>/rating", api.InstanceRatingApi.as_view(), name="instance-rating"),
]
