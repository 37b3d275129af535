"""Which agencies a staff member may see: the one place scope is decided.

Every dashboard query, filter, chart and export starts from `visible_agencies()`
(or `get_visible_agency()` for one agency), so no page can show data outside a
person's remit. An agency outside the scope is reported as "not found" (404), so
its existence does not leak.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.models import Agency
from staff.models import StaffProfile

Role = StaffProfile.Role


def get_profile(user: AbstractBaseUser | AnonymousUser) -> StaffProfile | None:
    """The user's staff profile (with its agency), or None for non-staff.

    A superuser without a profile acts as an administrator. One query at most;
    the result is cached on the user object for the rest of the request.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    if hasattr(user, "_sipas_profile"):
        return user._sipas_profile
    profile = StaffProfile.objects.select_related("agency").filter(user=user).first()
    if profile is None and user.is_superuser:
        profile = StaffProfile(user=user, role=Role.ADMINISTRATOR)
    user._sipas_profile = profile
    return profile


def require_profile(user: AbstractBaseUser | AnonymousUser) -> StaffProfile:
    """The profile of a logged-in staff member; PermissionDenied (403) otherwise."""
    profile = get_profile(user)
    if profile is None:
        raise PermissionDenied("Không có quyền truy cập bảng điều khiển.")
    return profile


def scope_filter(profile: StaffProfile | None) -> Q | None:
    """A Q on Agency selecting what the profile may see; None means everything.

    Pre-2025 units are visible to whoever sees their successor, so merged units
    can be shown under it. Raises nothing; a missing profile sees nothing.
    """
    if profile is None:
        return Q(pk__in=[])
    if profile.role in (Role.NATIONAL_VIEWER, Role.ADMINISTRATOR):
        return None
    if profile.role == Role.PROVINCIAL_ANALYST and profile.province_code:
        code = profile.province_code
        return Q(province_code=code) | Q(successor__province_code=code)
    if profile.role == Role.AGENCY_MANAGER and profile.agency_id:
        path = profile.agency.path
        return Q(path__startswith=path) | Q(successor__path__startswith=path)
    return Q(pk__in=[])


def visible_agencies(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Agency]:
    """Agencies the user may see (lazy; usable as a subquery)."""
    condition = scope_filter(get_profile(user))
    agencies = Agency.objects.all()
    return agencies if condition is None else agencies.filter(condition)


def get_visible_agency(user: AbstractBaseUser | AnonymousUser, code: str) -> Agency:
    """The agency with this code if the user may see it, else Http404."""
    agency = visible_agencies(user).filter(code=code).first()
    if agency is None:
        raise Http404("Không tìm thấy cơ quan.")
    return agency


def home_agency(profile: StaffProfile) -> Agency | None:
    """The agency a dashboard opens on: the manager's own agency, the analyst's
    provincial People's Committee (UBND-T<pp>), or None (national) for viewers and
    administrators. The analyst's root costs one query."""
    if profile.role == Role.AGENCY_MANAGER:
        return profile.agency
    if profile.role == Role.PROVINCIAL_ANALYST:
        return Agency.objects.filter(code=f"UBND-T{profile.province_code}").first()
    return None


def can_see_contacts(profile: StaffProfile | None, agency: Agency) -> bool:
    """Reply contacts are shown only to the staff of the agency itself: a manager
    whose agency is the response's agency or above it. Analysts, national viewers
    and administrators see comments without contacts."""
    return bool(
        profile
        and profile.role == Role.AGENCY_MANAGER
        and profile.agency_id
        and agency.path.startswith(profile.agency.path)
    )


def can_edit_agency(profile: StaffProfile | None, agency: Agency) -> bool:
    """Who may review comments and enter volumes for an agency in their scope."""
    return bool(profile and profile.can_edit)


def visible_profiles(user: AbstractBaseUser | AnonymousUser) -> QuerySet[StaffProfile]:
    """Staff profiles the user may see: those of agencies in their scope (and, for a
    provincial analyst, the other analysts of their province); all for unscoped
    roles; none without a profile."""
    profile = get_profile(user)
    profiles = StaffProfile.objects.all()
    condition = scope_filter(profile)
    if condition is None:
        return profiles
    visible = Q(agency__in=visible_agencies(user))
    if profile is not None and profile.role == Role.PROVINCIAL_ANALYST:
        visible |= Q(province_code=profile.province_code)
    return profiles.filter(visible)


class ScopedAdminMixin:
    """An admin whose rows belong to agencies: a staff member sees, opens and picks
    only those in their scope (superusers and unscoped roles see all).

    `scope_path` is the lookup from the model to its agency ("agency",
    "response__agency"); `scope_choices` names foreign keys whose choices are
    limited the same way (field name → lookup from that model to its agency).
    """

    scope_path = "agency"
    scope_choices: dict[str, str] = {}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if scope_filter(get_profile(request.user)) is None:
            return queryset
        return queryset.filter(
            **{f"{self.scope_path}__in": visible_agencies(request.user)}
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        lookup = self.scope_choices.get(db_field.name)
        if lookup is not None and scope_filter(get_profile(request.user)) is not None:
            related = db_field.remote_field.model._default_manager
            kwargs["queryset"] = related.filter(
                **{f"{lookup}__in": visible_agencies(request.user)}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
