"""Reference data of the people's mediation service line: mediators and their grades."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from server.accounts.models import Organisation

MIN_GRADE = 1
MAX_GRADE = 4


class Mediator(models.Model):
    """A mediator's profile: where they serve and their grade (调解员等级).

    Complex disputes go to higher-grade mediators: the complexity table names the minimum
    grade, and `mediation.assign_mediator` picks among the active mediators who hold it.
    A mediator serves the cases of their organisation and of every organisation below it.
    """

    class Grade(models.IntegerChoices):
        FIRST = 1, "一级（初级） / Grade 1 (junior)"
        SECOND = 2, "二级 / Grade 2"
        THIRD = 3, "三级（高级） / Grade 3 (senior)"
        FOURTH = 4, "四级（首席） / Grade 4 (chief)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mediator_profile",
        verbose_name="用户 / User",
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="mediators", verbose_name="机构 / Organisation"
    )
    grade = models.PositiveSmallIntegerField(
        "等级 / Grade",
        choices=Grade.choices,
        default=Grade.FIRST,
        validators=[MinValueValidator(MIN_GRADE), MaxValueValidator(MAX_GRADE)],
    )
    active = models.BooleanField("在岗 / Active", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__path", "-grade", "user__username"]
        verbose_name = "调解员 / Mediator"
        verbose_name_plural = "调解员 / Mediators"

    def __str__(self) -> str:
        return f"{self.user.get_username()} (grade {self.grade}) @ {self.organisation.code}"
