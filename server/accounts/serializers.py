from django.contrib.auth import get_user_model
from rest_framework import serializers

from server.accounts.models import IntegrationClient, Membership, Organisation


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


class IntegrationClientSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = IntegrationClient
        fields = [
            "id",
            "name",
            "username",
            "organisation",
            "messages",
            "signals",
            "token_prefix",
            "is_active",
            "created_at",
            "last_used_at",
        ]


class IntegrationClientInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    messages = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, default=list
    )
    signals = serializers.ListField(child=serializers.CharField(max_length=255), required=False, default=list)

    def validate_name(self, value: str) -> str:
        if IntegrationClient.objects.filter(name=value).exists():
            raise serializers.ValidationError("已有同名客户端 / A client with this name exists.")
        return value

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("messages") and not attrs.get("signals"):
            raise serializers.ValidationError(
                {"messages": ["至少授予一个消息或信号 / Grant at least one message or signal."]}
            )
        return attrs


class IntegrationClientCreatedSerializer(IntegrationClientSerializer):
    token = serializers.CharField(read_only=True, help_text="shown this once; keep it safe")

    class Meta(IntegrationClientSerializer.Meta):
        fields = [*IntegrationClientSerializer.Meta.fields, "token"]
