from django.contrib.auth.models import AbstractBaseUser
from rest_framework.authtoken.models import Token


def user_token(*, user: AbstractBaseUser) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
