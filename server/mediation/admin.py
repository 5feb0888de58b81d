from django.contrib import admin

from server.mediation.models import Mediator


@admin.register(Mediator)
class MediatorAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "grade", "active", "updated_at"]
    list_filter = ["grade", "active"]
    list_editable = ["grade", "active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organisation__code"]
    raw_id_fields = ["user"]
