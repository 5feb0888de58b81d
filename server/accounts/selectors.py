"""Who may see and do what: the organisation scope of a user's roles."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from server.accounts.models import STAFF_ROLES, Membership, Organisation, Role


@dataclass(frozen=True)
class Grant:
    role: str
    organisation_id: int
    path: str


def user_grants(user: AbstractBaseUser) -> list[Grant]:
    """The user's roles with the organisation path each one covers (cached on the user object)."""
    cached = getattr(user, "_lexflow_grants", None)
    if cached is None:
        cached = [
            Grant(role=m.role, organisation_id=m.organisation_id, path=m.organisation.path)
            for m in Membership.objects.filter(user=user).select_related("organisation")
        ]
        if user.is_superuser:
            root_paths = Organisation.objects.filter(parent=None).values_list("id", "path")
            cached += [Grant(role=Role.ADMIN, organisation_id=pk, path=path) for pk, path in root_paths]
        user._lexflow_grants = cached
    return cached


def user_has_role(user: AbstractBaseUser, *roles: str) -> bool:
    return any(grant.role in roles for grant in user_grants(user))


def user_is_staff_member(user: AbstractBaseUser) -> bool:
    return any(grant.role in STAFF_ROLES for grant in user_grants(user))


def org_scope_q(user: AbstractBaseUser, field: str, *, roles: frozenset[str] = STAFF_ROLES) -> Q:
    """Q matching rows whose organisation path (`field`) is within one of the user's grants."""
    q = Q(pk__in=[])
    for grant in user_grants(user):
        if grant.role in roles:
            q |= Q(**{f"{field}__startswith": grant.path})
    return q


def organisation_in_scope(user: AbstractBaseUser, organisation: Organisation, *, roles=STAFF_ROLES) -> bool:
    return any(
        grant.role in roles and organisation.path.startswith(grant.path) for grant in user_grants(user)
    )


def user_primary_organisation(user: AbstractBaseUser) -> Organisation | None:
    membership = Membership.objects.filter(user=user).select_related("organisation").order_by("id").first()
    return membership.organisation if membership else None


def organisation_from_code(value: object) -> Organisation:
    """The organisation a service-task parameter names by code; ValueError (a modelling error) if none."""
    code = str(value or "").strip()
    if not code:
        raise ValueError("organisation is required / 缺少机构代码 (pass case['organisation'])")
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise ValueError(f"no organisation with code {code!r} / 无此机构")
    return organisation


def ancestor_paths(path: str) -> list[str]:
    """ "/1/4/9/" -> ["/1/4/9/", "/1/4/", "/1/"]: an organisation's path and those above it, nearest first."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[:depth]) + "/" for depth in range(len(parts), 0, -1)]
