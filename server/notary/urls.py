from django.urls import path

from server.notary.api import NotaryStatsApi

urlpatterns = [
    path("stats", NotaryStatsApi.as_view(), name="notary-stats"),
]
