"""Reference data of the 法律援助 / Legal aid service line, kept by administrators.

Nothing about a case lives here: cases are process instances, their figures come from
milestone events. These tables are what the process consults: the local hardship
threshold, the lawyers a centre may assign and their conflicts, and the dated subsidy
rates paid per closed case.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from server.core.identity import id_number_check

region_code_validator = RegexValidator(
    r"^\d{6}$", "行政区划代码为 6 位数字 / A region code has 6 digits (e.g. 210102)"
)


class CaseType(models.TextChoices):
    CIVIL = "civil", "民事 / Civil"
    CRIMINAL = "criminal", "刑事 / Criminal"
    ADMINISTRATIVE = "administrative", "行政 / Administrative"
    LABOUR = "labour", "劳动争议 / Labour"
    FAMILY = "family", "婚姻家庭 / Family"


class ExemptionCategory(models.TextChoices):
    """Legal Aid Law art. 42: these applicants are exempt from the financial-hardship check."""

    NONE = "none", "无 / None"
    MINOR = "minor", "未成年人 / Minor"
    ELDERLY_DISABLED = (
        "elderly_disabled_no_income",
        "无固定生活来源的老年人、残疾人 / Elderly or disabled person without fixed income",
    )
    ASSISTANCE = (
        "assistance_recipient",
        "社会救助、司法救助或优抚对象 / Social or judicial assistance or special-care recipient",
    )
    MIGRANT_WORKER = (
        "migrant_worker_wages",
        "请求支付劳动报酬或工伤赔偿的农民工 / Migrant worker claiming wages or work-injury compensation",
    )


class Lawyer(models.Model):
    """A lawyer the legal-aid centre of `organisation` may assign (a user with the role `lawyer`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="legal_aid_lawyer"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="legal_aid_lawyers"
    )
    licence_number = models.CharField("执业证号 / Licence number", max_length=32, blank=True)
    firm = models.CharField("律师事务所 / Law firm", max_length=200, blank=True)
    active = models.BooleanField("可接受指派 / Accepts assignments", default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = "法律援助律师 / Legal aid lawyer"
        verbose_name_plural = "法律援助律师 / Legal aid lawyers"

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.organisation.code})"


class LawyerConflict(models.Model):
    """A party this lawyer must not act against (former client, relative, interest in the matter).

    Matched by ID number when both sides have one, otherwise by name.
    """

    lawyer = models.ForeignKey(Lawyer, on_delete=models.CASCADE, related_name="conflicts")
    party_name = models.CharField("当事人姓名/名称 / Party name", max_length=200)
    party_id_number = models.CharField("证件号码 / ID number", max_length=18, blank=True)
    reason = models.CharField("冲突原因 / Reason", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lawyer", "party_name"]
        verbose_name = "利益冲突 / Conflict of interest"
        verbose_name_plural = "利益冲突 / Conflicts of interest"

    def __str__(self) -> str:
        return f"{self.lawyer} × {self.party_name}"

    def clean(self) -> None:
        self.party_name = " ".join(self.party_name.split())
        self.party_id_number = self.party_id_number.strip().upper()
        if self.party_id_number and not id_number_check(self.party_id_number).valid:
            raise ValidationError({"party_id_number": id_number_check(self.party_id_number).message})


class HardshipThreshold(models.Model):
    """The monthly household income per capita at or below which an applicant counts as in
    financial hardship (Legal Aid Law art. 34: set by the province). Looked up by the
    applicant's region code, falling back to its city and then its province."""

    region_code = models.CharField(
        "行政区划代码 / Region code", max_length=6, unique=True, validators=[region_code_validator]
    )
    region_name = models.CharField("地区 / Region", max_length=100)
    monthly_income = models.DecimalField(
        "人均月收入标准（元）/ Monthly income per capita (CNY)",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    basis = models.CharField("依据 / Basis", max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code"]
        verbose_name = "经济困难标准 / Hardship threshold"
        verbose_name_plural = "经济困难标准 / Hardship thresholds"

    def __str__(self) -> str:
        return f"{self.region_code} {self.region_name}: {self.monthly_income}"


class SubsidyRate(models.Model):
    """The case subsidy paid to the lawyer per closed case, by case type and region, for the
    period it is in force (the plan: subsidies adjusted over time). `effective_to` is the last
    day it applies (inclusive); empty means until further notice."""

    case_type = models.CharField("案件类型 / Case type", max_length=20, choices=CaseType.choices)
    region_code = models.CharField(
        "行政区划代码 / Region code", max_length=6, validators=[region_code_validator]
    )
    amount = models.DecimalField(
        "补贴标准（元/件）/ Amount (CNY per case)",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    effective_from = models.DateField("起始日 / In force from")
    effective_to = models.DateField("截止日 / In force until", null=True, blank=True)
    note = models.CharField("说明 / Note", max_length=300, blank=True)

    class Meta:
        ordering = ["case_type", "region_code", "effective_from"]
        verbose_name = "办案补贴标准 / Subsidy rate"
        verbose_name_plural = "办案补贴标准 / Subsidy rates"
        indexes = [models.Index(fields=["case_type", "region_code", "effective_from"], name="subsidy_lookup")]

    def __str__(self) -> str:
        until = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{self.case_type} {self.region_code} {self.effective_from}–{until}: {self.amount}"

    def clean(self) -> None:
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "截止日不能早于起始日 / Must not be before the start."})
        if self.effective_from and self.case_type and self.region_code:
            overlapping = SubsidyRate.objects.filter(case_type=self.case_type, region_code=self.region_code)
            overlapping = overlapping.exclude(pk=self.pk).filter(
                Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from)
            )
            if self.effective_to:
                overlapping = overlapping.filter(effective_from__lte=self.effective_to)
            if overlapping.exists():
                raise ValidationError(
                    "同一案件类型和地区的补贴标准期间不能重叠 / Rates for the same case type and region "
                    f"must not overlap (clashes with {overlapping.first()})."
                )

    def applies_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
