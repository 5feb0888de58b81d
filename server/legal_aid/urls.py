from django.urls import path

from server.legal_aid.api import LegalAidStatsApi

urlpatterns = [
    path("stats", LegalAidStatsApi.as_view(), name="legal-aid-stats"),
]
