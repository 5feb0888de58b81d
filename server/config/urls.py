from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from server.accounts import api as accounts_api
from server.core import api as core_api
from server.core import frontend

api_v1 = [
    path("auth/login", accounts_api.LoginApi.as_view(), name="auth-login"),
    path("auth/logout", accounts_api.LogoutApi.as_view(), name="auth-logout"),
    path("auth/me", accounts_api.MeApi.as_view(), name="auth-me"),
    path("organisations", accounts_api.OrganisationListApi.as_view(), name="organisation-list"),
    path(
        "integration-clients", accounts_api.IntegrationClientListApi.as_view(), name="integration-client-list"
    ),
    path(
        "integration-clients/<int:pk>",
        accounts_api.IntegrationClientDetailApi.as_view(),
        name="integration-client-detail",
    ),
    path(
        "integration-clients/<int:pk>/token",
        accounts_api.IntegrationClientTokenApi.as_view(),
        name="integration-client-token",
    ),
    path("health", core_api.HealthApi.as_view(), name="health"),
    path("calendar", core_api.CalendarApi.as_view(), name="calendar"),
    path("", include("server.processes.urls")),
    path("", include("server.documents.urls")),
    path("", include("server.portal.urls")),
    path("", include("server.audit.urls")),
    path("legal-aid/", include("server.legal_aid.urls")),
    path("notary/", include("server.notary.urls")),
    path("mediation/", include("server.mediation.urls")),
    path("complaints/", include("server.complaints.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    # Every other path is the web app's: it routes in the browser (deep links survive reload).
    re_path(r"^(?!api/|admin/|static/|assets/).*$", frontend.app_index, name="app"),
]

handler404 = "server.core.errors.json_404"
handler500 = "server.core.errors.json_500"
