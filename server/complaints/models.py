"""Reference data of the 投诉处理 / Complaints service line, kept by administrators.

Nothing about a case lives here: complaints are process instances and their figures come
from milestone events. This table holds the standard grounds for not accepting a
complaint, with the explanation the written notice to the complainant quotes, so the
wording can be corrected without redeploying the process.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{1,47}$", "小写字母、数字和下划线 / lower-case letters, digits and underscores"
)


class IneligibilityGround(models.Model):
    """A ground on which a complaint is not accepted (不予受理情形), quoted in the written notice.

    The codes are the ones the eligibility form offers (`eligibility.schema.json`); a code
    missing here falls back to the wording shipped in `server.complaints.reference`.
    """

    code = models.CharField(max_length=48, unique=True, validators=[code_validator])
    name = models.CharField("名称", max_length=200)
    name_en = models.CharField("English name", max_length=200)
    explanation = models.TextField("告知书说明", help_text="quoted in the written notice (Chinese)")
    explanation_en = models.TextField("Explanation (English)", blank=True)
    basis = models.CharField("依据 / Basis", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "不予受理情形 / Ground for not accepting"
        verbose_name_plural = "不予受理情形 / Grounds for not accepting"

    def __str__(self) -> str:
        return f"{self.name} / {self.name_en}"

    @property
    def title(self) -> str:
        return f"{self.name} / {self.name_en}"
