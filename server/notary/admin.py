from django.contrib import admin

from server.notary.models import AcceptanceCounter, LegalAidQuotaEntry, QuotaTarget


@admin.register(QuotaTarget)
class QuotaTargetAdmin(admin.ModelAdmin):
    list_display = ["organisation", "cases_per_year", "note", "updated_at"]
    search_fields = ["organisation__code", "organisation__name"]


@admin.register(AcceptanceCounter)
class AcceptanceCounterAdmin(admin.ModelAdmin):
    list_display = ["organisation", "year", "last_number"]
    list_filter = ["year"]


@admin.register(LegalAidQuotaEntry)
class LegalAidQuotaEntryAdmin(admin.ModelAdmin):
    list_display = ["year", "notary", "case_number", "organisation", "recorded_at"]
    list_filter = ["year"]
    search_fields = ["notary__username", "case_number"]
    readonly_fields = ["recorded_at"]
