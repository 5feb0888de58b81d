from django.contrib.auth import get_user_model
from rest_framework import serializers

from server.accounts.models import Membership, Organisation


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "code", "name", "name_en", "level", "parent"]


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["role", "organisation"]


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True, read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "display_name", "email", "roles", "memberships"]

    def get_display_name(self, user) -> str:
        return user.get_full_name() or user.username

    def get_roles(self, user) -> list[str]:
        return sorted({m.role for m in user.memberships.all()})


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
