from django.contrib import admin

from server.legal_aid.models import HardshipThreshold, Lawyer, LawyerConflict, SubsidyRate


class LawyerConflictInline(admin.TabularInline):
    model = LawyerConflict
    extra = 1
    fields = ["party_name", "party_id_number", "reason"]


@admin.register(Lawyer)
class LawyerAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "firm", "licence_number", "active"]
    list_filter = ["active", "organisation"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "firm", "licence_number"]
    autocomplete_fields = ["user"]
    inlines = [LawyerConflictInline]


@admin.register(LawyerConflict)
class LawyerConflictAdmin(admin.ModelAdmin):
    list_display = ["lawyer", "party_name", "party_id_number", "reason", "created_at"]
    search_fields = ["party_name", "party_id_number", "lawyer__user__username"]


@admin.register(HardshipThreshold)
class HardshipThresholdAdmin(admin.ModelAdmin):
    list_display = ["region_code", "region_name", "monthly_income", "basis", "updated_at"]
    search_fields = ["region_code", "region_name"]


@admin.register(SubsidyRate)
class SubsidyRateAdmin(admin.ModelAdmin):
    list_display = ["case_type", "region_code", "amount", "effective_from", "effective_to", "note"]
    list_filter = ["case_type", "region_code"]
    date_hierarchy = "effective_from"
