from django.contrib import admin

from server.core.models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    search_fields = ["name"]
    date_hierarchy = "day"
