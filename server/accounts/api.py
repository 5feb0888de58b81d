from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import IntegrationClient, Organisation, Role
from server.accounts.selectors import org_scope_q, organisation_in_scope, user_has_role
from server.accounts.serializers import (
    IntegrationClientCreatedSerializer,
    IntegrationClientInputSerializer,
    IntegrationClientSerializer,
    LoginSerializer,
    OrganisationSerializer,
    UserSerializer,
)
from server.accounts.services import (
    integration_client_create,
    integration_client_revoke,
    integration_client_rotate,
    user_token,
)


class LoginApi(APIView):
    """Log in with a password: returns an API token and starts a browser session."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: inline_serializer(
                "LoginOutput", {"token": serializers.CharField(), "user": UserSerializer()}
            )
        },
    )
    @method_decorator(ensure_csrf_cookie)
    def post(self, request: Request) -> Response:
        payload = LoginSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # The HttpRequest, not DRF's wrapper: django-axes flags a lockout on it for its middleware.
        user = authenticate(request._request, **payload.validated_data)
        if user is None:
            raise AuthenticationFailed("用户名或密码错误 / Wrong username or password.")
        login(request._request, user)
        return Response({"token": user_token(user=user), "user": UserSerializer(user).data})


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if request.auth is not None and hasattr(request.auth, "delete"):
            request.auth.delete()  # a token client logging out revokes its token
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: UserSerializer})
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class OrganisationListApi(APIView):
    """The organisation tree (province > city > county > township), in tree order.

    Applicants choose where to apply from it; staff see where their scope reaches. Public
    (names of government offices): a visitor registering picks where they live from it.
    """

    permission_classes = [AllowAny]

    @extend_schema(responses=OrganisationSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(OrganisationSerializer(Organisation.objects.order_by("path"), many=True).data)


# ---------------------------------------------------------------------------------------------
# Integration clients (administrators)


def _require_admin(user) -> None:
    if not user_has_role(user, Role.ADMIN):
        raise PermissionDenied(
            "只有管理员可以管理集成客户端 / Only administrators manage integration clients."
        )


def _clients_in_scope(user):
    return IntegrationClient.objects.select_related("organisation", "user").filter(
        org_scope_q(user, "organisation__path", roles=frozenset({Role.ADMIN}))
    )


class IntegrationClientListApi(APIView):
    """Service accounts of other systems (a court, the 12348 hotline) that send messages and signals."""

    @extend_schema(responses={200: IntegrationClientSerializer(many=True)}, summary="Integration clients")
    def get(self, request: Request) -> Response:
        _require_admin(request.user)
        return Response(IntegrationClientSerializer(_clients_in_scope(request.user), many=True).data)

    @extend_schema(
        request=IntegrationClientInputSerializer,
        responses={201: IntegrationClientCreatedSerializer},
        summary="Create an integration client (its token is shown once)",
    )
    def post(self, request: Request) -> Response:
        _require_admin(request.user)
        payload = IntegrationClientInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        organisation = payload.validated_data["organisation"]
        if not organisation_in_scope(request.user, organisation, roles=frozenset({Role.ADMIN})):
            raise PermissionDenied("该机构不在您的管理范围 / That organisation is outside your scope.")
        client, token = integration_client_create(
            name=payload.validated_data["name"],
            organisation=organisation,
            messages=payload.validated_data["messages"],
            signals=payload.validated_data["signals"],
            created_by=request.user,
        )
        client.token = token
        return Response(IntegrationClientCreatedSerializer(client).data, status=status.HTTP_201_CREATED)


class IntegrationClientDetailApi(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Revoke an integration client's token")
    def delete(self, request: Request, pk: int) -> Response:
        _require_admin(request.user)
        client = _clients_in_scope(request.user).filter(pk=pk).first()
        if client is None:
            raise NotFound("No such integration client.")
        integration_client_revoke(client=client, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IntegrationClientTokenApi(APIView):
    @extend_schema(
        request=None,
        responses={200: IntegrationClientCreatedSerializer},
        summary="A new token for an integration client (the old one stops working)",
    )
    def post(self, request: Request, pk: int) -> Response:
        _require_admin(request.user)
        client = _clients_in_scope(request.user).filter(pk=pk, is_active=True).first()
        if client is None:
            raise NotFound("No such integration client.")
        client.token = integration_client_rotate(client=client, user=request.user)
        return Response(IntegrationClientCreatedSerializer(client).data)
