from django.contrib import admin

from server.portal.models import ApplicantProfile, Attachment, Draft, Rating


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "phone", "id_number", "created_at"]
    search_fields = ["user__username", "phone", "id_number"]
    list_select_related = ["user"]


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["user", "process_key", "step", "updated_at"]
    list_filter = ["process_key"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only: a file on a case is evidence; it is replaced by uploading another, not edited."""

    list_display = ["name", "uploader", "instance", "content_type", "size", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["name", "sha256", "uploader__username", "instance__business_key"]
    list_select_related = ["uploader", "instance__definition"]
    fields = ["id", "name", "uploader", "instance", "content_type", "size", "sha256", "file", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:  # noqa: ARG002
        return False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["instance", "score", "by", "created_at"]
    list_filter = ["score"]
    search_fields = ["instance__business_key", "comment"]
    list_select_related = ["instance__definition", "by"]
    readonly_fields = ["instance", "score", "comment", "by", "created_at"]
