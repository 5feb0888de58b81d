from django.contrib import admin

from server.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: what ran, what waits, what failed and why. Jobs change only by running."""

    list_display = ["id", "name", "key", "state", "attempts", "run_after", "finished_at"]
    list_filter = ["state", "name"]
    search_fields = ["key", "last_error"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
