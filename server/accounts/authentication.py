"""Integration clients authenticate with `Authorization: Bearer <token>` (messages and signals only)."""

import hashlib
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from server.accounts.models import IntegrationClient

KEYWORD = b"bearer"
TOKEN_PREFIX = "lfc_"


def token_digest(token: str) -> str:
    """Only the sha256 of a client token is stored: a leaked table gives no working token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class IntegrationClientAuthentication(BaseAuthentication):
    """The integration client whose token the request carries; `request.auth` is the client.

    Only the message and signal endpoints accept it: everywhere else a client is a stranger.
    """

    def authenticate(self, request: Request) -> tuple | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Bearer 令牌格式错误 / malformed Bearer token header.")
        token = parts[1].decode("latin-1")
        client = (
            IntegrationClient.objects.select_related("user", "organisation")
            .filter(token_digest=token_digest(token), is_active=True, user__is_active=True)
            .first()
        )
        if client is None:
            raise AuthenticationFailed("令牌无效或已停用 / the token is not valid or was revoked.")
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=1):
            IntegrationClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client.user, client

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="integration clients"'


class IntegrationClientScheme(OpenApiAuthenticationExtension):
    target_class = "server.accounts.authentication.IntegrationClientAuthentication"
    name = "integrationClient"

    def get_security_definition(self, auto_schema) -> dict:  # noqa: ARG002 - drf-spectacular's signature
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration client's token (an administrator creates it): messages, signals.",
        }
