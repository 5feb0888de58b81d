from django.urls import path

from server.mediation.api import MediationStatsApi

urlpatterns = [
    path("stats", MediationStatsApi.as_view(), name="mediation-stats"),
]
