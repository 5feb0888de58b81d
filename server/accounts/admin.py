from django.contrib import admin, messages

from server.accounts.models import IntegrationClient, Membership, Organisation
from server.accounts.services import integration_client_create


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation"]
    list_filter = ["role"]


@admin.register(IntegrationClient)
class IntegrationClientAdmin(admin.ModelAdmin):
    """Adding a client here shows its token once, as the API does; rotate it through the API."""

    list_display = ["name", "organisation", "is_active", "token_prefix", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    fields = ["name", "organisation", "messages", "signals", "is_active"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        client, token = integration_client_create(
            name=obj.name,
            organisation=obj.organisation,
            messages=list(obj.messages or []),
            signals=list(obj.signals or []),
            created_by=request.user,
        )
        obj.pk, obj.user_id, obj.token_digest, obj.token_prefix = (
            client.pk,
            client.user_id,
            client.token_digest,
            client.token_prefix,
        )
        obj._state.adding = False
        messages.warning(request, f"令牌只显示这一次 / The token, shown this once: {token}")
