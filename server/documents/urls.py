from django.urls import path

from server.documents import api

urlpatterns = [
    path("instances/<int:pk>/documents", api.InstanceDocumentListApi.as_view(), name="instance-documents"),
    path("instances/<int:pk>/archive", api.InstanceArchiveApi.as_view(), name="instance-archive"),
    path("documents/<int:pk>/pdf", api.DocumentPdfApi.as_view(), name="document-pdf"),
    path("documents/verify/<str:code>", api.DocumentVerifyApi.as_view(), name="document-verify"),
]
