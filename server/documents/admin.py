from typing import Any

from django.contrib import admin

from server.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Read-only: an official document is issued by its process and never edited by hand.
    The list shows which are still waiting for their PDF and why a render failed."""

    list_display = [
        "id",
        "verification_code",
        "title",
        "instance",
        "created_at",
        "rendered_at",
        "render_failures",
    ]
    list_filter = ["template"]
    search_fields = ["verification_code", "instance__business_key"]
    list_select_related = ["instance__definition"]
    fields = [
        "instance",
        "template",
        "title",
        "bpmn_id",
        "verification_code",
        "issued_by",
        "created_at",
        "rendered_at",
        "sha256",
        "render_failures",
        "render_failed_at",
        "render_error",
        "data",
    ]
    readonly_fields = fields

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).defer("pdf")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
