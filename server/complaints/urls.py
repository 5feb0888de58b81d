from django.urls import path

from server.complaints import api

urlpatterns = [
    path("stats", api.ComplaintStatsApi.as_view(), name="complaint-stats"),
]
