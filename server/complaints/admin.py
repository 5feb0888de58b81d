from django.contrib import admin

from server.complaints.models import IneligibilityGround


@admin.register(IneligibilityGround)
class IneligibilityGroundAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order"]
    search_fields = ["code", "name", "name_en"]
    ordering = ["order", "code"]
