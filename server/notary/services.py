"""Writes and look-ups behind the notary service tasks: acceptance numbers, assigning the
notary, and counting legal-aid notary cases toward each notary's yearly quota."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q

from server.accounts.models import Membership, Organisation, Role
from server.accounts.selectors import ancestor_paths
from server.core.db import lock_in_order
from server.notary.models import DEFAULT_LEGAL_AID_QUOTA, AcceptanceCounter, LegalAidQuotaEntry, QuotaTarget
from server.processes.models import TaskStatus


def acceptance_number_next(organisation: Organisation, year: int) -> str:
    """The office's next acceptance number (受理号) for `year`, e.g. "(2026)LN-SY-HP公受字第00001号".

    Numbers run per office and year without gaps: the counter row is locked while it moves.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                AcceptanceCounter.objects.get_or_create(organisation=organisation, year=year)
        except IntegrityError:  # created by a concurrent acceptance: it exists now
            pass
        counter = AcceptanceCounter.objects.select_for_update().get(organisation=organisation, year=year)
        AcceptanceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
        counter.refresh_from_db(fields=["last_number"])
    return f"({year}){organisation.code}公受字第{counter.last_number:05d}号"


@dataclass(frozen=True)
class NotaryLoad:
    username: str
    open_tasks: int


def notaries_for(organisation: Organisation) -> list[AbstractBaseUser]:
    """Active notaries who may handle the organisation's cases: notaries of it or of an office above it."""
    user_ids = Membership.objects.filter(
        role=Role.NOTARY, organisation__path__in=ancestor_paths(organisation.path)
    ).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username"))


def notary_least_loaded(organisation: Organisation) -> NotaryLoad | None:
    """The notary with the fewest open tasks assigned (ties: by username), or None when there is none.

    Spreading new cases by open work keeps a green-channel case from waiting behind a full desk.
    """
    # Two cases accepted at once must not both see the same notary as least loaded.
    lock_in_order(
        Membership.objects.filter(role=Role.NOTARY, organisation__path__in=ancestor_paths(organisation.path))
    )
    notaries = notaries_for(organisation)
    if not notaries:
        return None
    loads = dict(
        get_user_model()
        .objects.filter(pk__in=[user.pk for user in notaries])
        .annotate(load=Count("assigned_tasks", filter=Q(assigned_tasks__status=TaskStatus.OPEN)))
        .values_list("pk", "load")
    )
    chosen = min(notaries, key=lambda user: (loads.get(user.pk, 0), user.get_username()))
    return NotaryLoad(chosen.get_username(), loads.get(chosen.pk, 0))


def quota_target_for(organisation: Organisation | None) -> int:
    """Legal-aid notary cases a notary of `organisation` must take on a year (nearest setting up the tree)."""
    if organisation is None:
        return DEFAULT_LEGAL_AID_QUOTA
    targets = dict(
        QuotaTarget.objects.filter(organisation__path__in=ancestor_paths(organisation.path)).values_list(
            "organisation__path", "cases_per_year"
        )
    )
    for path in ancestor_paths(organisation.path):
        if path in targets:
            return targets[path]
    return DEFAULT_LEGAL_AID_QUOTA


def notary_office(notary: AbstractBaseUser) -> Organisation | None:
    """The organisation a notary works for (their first notary membership)."""
    membership = (
        Membership.objects.filter(user=notary, role=Role.NOTARY)
        .select_related("organisation")
        .order_by("id")
        .first()
    )
    return membership.organisation if membership else None


@dataclass(frozen=True)
class QuotaCount:
    notary: str
    year: int
    case_number: str
    count: int
    target: int
    recorded: bool  # False when this case had been counted already

    @property
    def met(self) -> bool:
        return self.count >= self.target

    def as_dict(self) -> dict:
        return {
            "notary": self.notary,
            "year": self.year,
            "case_number": self.case_number,
            "count": self.count,
            "target": self.target,
            "met": self.met,
            "recorded": self.recorded,
        }


def quota_count(
    *, notary: AbstractBaseUser, case_number: str, organisation: Organisation, day: date
) -> QuotaCount:
    """Count one legal-aid notary case toward the notary's quota for the year of `day`; once per case."""
    try:
        with transaction.atomic():
            entry, created = LegalAidQuotaEntry.objects.get_or_create(
                case_number=case_number,
                defaults={"notary": notary, "year": day.year, "organisation": organisation},
            )
    except IntegrityError:  # counted by a concurrent call
        entry, created = LegalAidQuotaEntry.objects.get(case_number=case_number), False
    count = LegalAidQuotaEntry.objects.filter(notary=entry.notary, year=entry.year).count()
    return QuotaCount(
        notary=entry.notary.get_username(),
        year=entry.year,
        case_number=entry.case_number,
        count=count,
        target=quota_target_for(notary_office(entry.notary)),
        recorded=created,
    )
