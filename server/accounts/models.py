from django.conf import settings
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Replace
from django.dispatch import Signal


class Role(models.TextChoices):
    APPLICANT = "applicant", "申请人 / Applicant"
    CASEWORKER = "caseworker", "承办人 / Caseworker"
    REVIEWER = "reviewer", "审批人 / Reviewer"
    DIRECTOR = "director", "负责人 / Director"
    LAWYER = "lawyer", "律师 / Lawyer"
    NOTARY = "notary", "公证员 / Notary"
    MEDIATOR = "mediator", "调解员 / Mediator"
    SUPERVISOR = "supervisor", "监督人员 / Supervisor"
    DESIGNER = "designer", "流程设计人员 / Process designer"
    AUDITOR = "auditor", "审计人员 / Auditor"
    ADMIN = "admin", "管理员 / Administrator"


STAFF_ROLES = frozenset(role.value for role in Role if role != Role.APPLICANT)
# Who may read, search, export and verify the audit log (in the scope where the role is held).
AUDIT_ROLES = frozenset({Role.AUDITOR.value, Role.ADMIN.value})


# Sent when an organisation gets a new parent, so rows that copy its path can follow.
organisation_moved = Signal()


def move_paths(queryset: models.QuerySet, field: str, old_path: str, new_path: str) -> int:
    """Re-root every materialised path in `field` that starts with `old_path` (one UPDATE)."""
    # A path names each ancestor once, so `old_path` can only occur at the start.
    return queryset.filter(**{f"{field}__startswith": old_path}).update(
        **{field: Replace(field, Value(old_path), Value(new_path))}
    )


class Organisation(models.Model):
    """A node of the tree province > city > county > township station.

    `path` is the materialised path of primary keys ("/1/4/9/"), so "this organisation
    and everything below it" is one indexed `startswith` query on any database.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", "省 / Province"
        CITY = "city", "市 / City"
        COUNTY = "county", "县区 / County"
        TOWNSHIP = "township", "乡镇 / Township station"

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {key: value for key, value in kwargs.items() if key != "force_insert"}
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if self.parent and f"/{self.pk}/" in self.parent.path:
            raise ValueError("An organisation cannot be placed below itself.")
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Moved: everything below it moves too (paths are how scope is checked).
                move_paths(Organisation.objects.exclude(pk=self.pk), "path", old_path, self.path)
                organisation_moved.send(sender=Organisation, old_path=old_path, new_path=self.path)


class Membership(models.Model):
    """A user holds a role in an organisation; the role reaches the organisations below it too."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.organisation}"


class IntegrationClient(models.Model):
    """A service account for another system (a court, the 12348 hotline) that sends messages and signals.

    Created by an administrator; its token is shown once and kept only as a sha256. It acts
    within one organisation (and those below it) and may send only the message and signal
    names it is granted. `user` is its identity in the audit log: it holds no role and has
    no password, so it cannot log in or reach any other endpoint.
    """

    name = models.CharField(max_length=120, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_client"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    messages = models.JSONField(default=list, blank=True, help_text="message names it may send")
    signals = models.JSONField(default=list, blank=True, help_text="signal names it may send")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=16, editable=False, help_text="to tell tokens apart")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "集成客户端 / integration client"
        verbose_name_plural = "集成客户端 / integration clients"

    def __str__(self) -> str:
        return self.name
