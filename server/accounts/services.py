import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from server.accounts.models import IntegrationClient, Organisation
from server.audit.services import event_record


def user_token(*, user: AbstractBaseUser) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


# ---------------------------------------------------------------------------------------------
# Integration clients: service accounts of other systems (a court, the 12348 hotline)


def _new_token() -> str:
    from server.accounts.authentication import TOKEN_PREFIX

    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _service_username(name: str) -> str:
    base = f"client-{slugify(name) or 'integration'}"[:140]
    username, number = base, 1
    while get_user_model().objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


@transaction.atomic
def integration_client_create(
    *,
    name: str,
    organisation: Organisation,
    messages: list[str],
    signals: list[str],
    created_by: AbstractBaseUser | None,
) -> tuple[IntegrationClient, str]:
    """A new client and its token, which is returned this once and stored only as a digest.

    Its identity is a user with no role and no usable password: it cannot log in, and the
    only endpoints that take its token are the message and signal ones.
    """
    from server.accounts.authentication import token_digest

    user = get_user_model().objects.create(username=_service_username(name), first_name=name[:150])
    user.set_unusable_password()
    user.save(update_fields=["password"])
    token = _new_token()
    client = IntegrationClient.objects.create(
        name=name,
        user=user,
        organisation=organisation,
        messages=sorted(set(messages)),
        signals=sorted(set(signals)),
        token_digest=token_digest(token),
        token_prefix=token[:12],
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
    )
    event_record(
        action="client.created",
        actor=created_by,
        client=client.name,
        organisation=organisation.code,
        messages=client.messages,
        signals=client.signals,
    )
    return client, token


@transaction.atomic
def integration_client_rotate(*, client: IntegrationClient, user: AbstractBaseUser) -> str:
    """A new token for the client; the old one stops working at once."""
    from server.accounts.authentication import token_digest

    token = _new_token()
    client.token_digest = token_digest(token)
    client.token_prefix = token[:12]
    client.save(update_fields=["token_digest", "token_prefix"])
    event_record(action="client.token_rotated", actor=user, client=client.name)
    return token


@transaction.atomic
def integration_client_revoke(*, client: IntegrationClient, user: AbstractBaseUser) -> None:
    """The client's token stops working; the client and what it did stay on record."""
    client.is_active = False
    client.save(update_fields=["is_active"])
    event_record(action="client.revoked", actor=user, client=client.name)
