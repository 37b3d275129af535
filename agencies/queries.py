"""Reads about agencies, service points and procedures.

Which procedures a place handles is derived, not stored: a commune's agencies
handle the procedures whose levels include `xa`, a province's agencies those
with `tinh` (a pre-2025 district's those with `huyen`), plus any procedure an
administrator linked explicitly to the agency or service point (the M2M fields
on Procedure). Storing the level-derived pairs would mean ~265 × 3,321 × 2 rows
that say nothing the level does not.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from agencies.models import Agency, Procedure, ServicePoint

LEVEL_OF_KIND = {
    Agency.Kind.PEOPLES_COMMITTEE_PROVINCE: Procedure.Level.PROVINCE,
    Agency.Kind.SERVICE_CENTRE_PROVINCE: Procedure.Level.PROVINCE,
    Agency.Kind.DEPARTMENT: Procedure.Level.PROVINCE,
    Agency.Kind.PEOPLES_COMMITTEE_DISTRICT: Procedure.Level.DISTRICT,
    Agency.Kind.PEOPLES_COMMITTEE_COMMUNE: Procedure.Level.COMMUNE,
    Agency.Kind.SERVICE_CENTRE_COMMUNE: Procedure.Level.COMMUNE,
}


def level_filter(level: str) -> Q:
    """Procedures whose "|"-joined levels contain `level` as a whole value."""
    return (
        Q(levels=level)
        | Q(levels__startswith=f"{level}|")
        | Q(levels__endswith=f"|{level}")
        | Q(levels__contains=f"|{level}|")
    )


def _handled(agency: Agency, extra: Q) -> QuerySet[Procedure]:
    condition = (
        Q(
            pk__in=Procedure.agencies.through.objects.filter(
                agency_id=agency.pk
            ).values("procedure_id")
        )
        | extra
    )
    level = LEVEL_OF_KIND.get(agency.kind)
    if level:
        condition |= level_filter(level)
    return Procedure.objects.active().filter(condition).order_by("field", "code")


def procedures_for_agency(agency: Agency) -> QuerySet[Procedure]:
    """Active procedures handled by the agency: by its level, or linked to it.

    One query when evaluated; ordered by field (lĩnh vực), then code.
    """
    return _handled(agency, Q(pk__in=[]))


def procedures_for_point(point: ServicePoint) -> QuerySet[Procedure]:
    """Active procedures received at the service point: those of its agency
    (see `procedures_for_agency`) plus those linked to the point itself."""
    linked = Procedure.service_points.through.objects.filter(
        servicepoint_id=point.pk
    ).values("procedure_id")
    return _handled(point.agency, Q(pk__in=linked))
