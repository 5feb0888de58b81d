from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from server.accounts.models import Organisation
from server.accounts.serializers import LoginSerializer, OrganisationSerializer, UserSerializer
from server.accounts.services import user_token


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
