"""Reference data and registers of the notary service line.

- `QuotaTarget`: how many legal-aid notary cases each notary must take on in a year
  (the plan: at least 3 per notary per year), set per organisation and inherited downwards.
- `AcceptanceCounter`: the running number behind each office's acceptance numbers (受理号).
- `LegalAidQuotaEntry`: one row per legal-aid notary case counted toward a notary's quota.
"""

from django.conf import settings
from django.db import models

from server.accounts.models import Organisation

# The five-year plan: every notary takes on at least 3 legal-aid notary cases a year.
DEFAULT_LEGAL_AID_QUOTA = 3


class QuotaTarget(models.Model):
    """An organisation's yearly legal-aid quota per notary; the nearest one up the tree applies."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="notary_quota_target"
    )
    cases_per_year = models.PositiveIntegerField(
        default=DEFAULT_LEGAL_AID_QUOTA,
        help_text="每名公证员每年至少办理的法律援助公证件数 / legal-aid notary cases per notary per year",
    )
    note = models.CharField(max_length=200, blank=True, help_text="依据 / basis")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "法律援助公证任务量 / legal-aid quota target"
        verbose_name_plural = "法律援助公证任务量 / legal-aid quota targets"

    def __str__(self) -> str:
        return f"{self.organisation.code}: {self.cases_per_year}"


class AcceptanceCounter(models.Model):
    """Last acceptance number given by an office in a year (numbers restart every year)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="notary_counter_unique_year"),
        ]
        verbose_name = "受理编号 / acceptance number counter"
        verbose_name_plural = "受理编号 / acceptance number counters"

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.year}: {self.last_number}"


class LegalAidQuotaEntry(models.Model):
    """A legal-aid notary case counted toward a notary's yearly quota (once per case)."""

    notary = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField(db_index=True)
    case_number = models.CharField(max_length=64, unique=True, help_text="受理号 / acceptance number")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "notary_id", "id"]
        indexes = [models.Index(fields=["notary", "year"], name="notary_quota_idx")]
        verbose_name = "法律援助公证记录 / legal-aid quota entry"
        verbose_name_plural = "法律援助公证记录 / legal-aid quota entries"

    def __str__(self) -> str:
        return f"{self.year} {self.notary} {self.case_number}"
