"""Reads behind the citizen pages: find a place, resolve a code, list procedures."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from agencies.models import Agency, Procedure, ServicePoint
from agencies.queries import (
    LEVEL_OF_KIND,
    procedures_for_agency,
    procedures_for_point,
)
from agencies.text import fold
from surveys.models import Item, Questionnaire, QuestionnaireVersion, Response

DEFAULT_QUESTIONNAIRE = "exit-dv"
MAX_SEARCH_WORDS = 8


@dataclass(frozen=True)
class Place:
    """Where a citizen was served: a service point (and its agency) or an agency."""

    agency: Agency
    service_point: ServicePoint | None = None

    @classmethod
    def of(cls, point_or_agency: ServicePoint | Agency) -> Place:
        if isinstance(point_or_agency, ServicePoint):
            return cls(agency=point_or_agency.agency, service_point=point_or_agency)
        return cls(agency=point_or_agency)

    @property
    def code(self) -> str:
        return self.service_point.code if self.service_point else self.agency.code

    @property
    def name(self) -> str:
        if self.service_point:
            return self.service_point.name
        return agency_name(self.agency)

    @property
    def questionnaire_code(self) -> str:
        if self.service_point and self.service_point.questionnaire_code:
            return self.service_point.questionnaire_code
        return DEFAULT_QUESTIONNAIRE


def agency_name(agency: Agency) -> str:
    """The agency's name in the active language (Vietnamese when no translation)."""
    return agency.name_en if get_language() == "en" and agency.name_en else agency.name


def resolve_place(code: str) -> Place | Agency | None:
    """The place a survey code names: an active service point first, then an agency.

    Returns the successor Agency (not a Place) for an ended agency that has one, so
    the caller can redirect an old QR code; None when nothing matches.
    """
    point = (
        ServicePoint.objects.active().select_related("agency").filter(code=code).first()
    )
    if point is not None:
        return Place.of(point)
    agency = Agency.objects.filter(code=code).select_related("successor").first()
    if agency is None:
        return None
    if Agency.objects.active().filter(pk=agency.pk).exists():
        return Place.of(agency)
    return agency.successor


def published_version(code: str) -> QuestionnaireVersion | None:
    """The current published version of a questionnaire, None if unknown/unpublished."""
    questionnaire = Questionnaire.objects.filter(code=code).first()
    return questionnaire.current_version() if questionnaire else None


def _words(text: str) -> list[str]:
    return fold(text).split()[:MAX_SEARCH_WORDS]


def _folded_filter(words: list[str], field: str = "name_folded") -> Q:
    query = Q()
    for word in words:
        query &= Q(**{f"{field}__contains": word})
    return query


def search_places(
    text: str, limit: int = 20
) -> tuple[list[ServicePoint], list[Agency], list[Procedure]]:
    """Service points, agencies and procedures whose folded name has every word.

    "ubnd xa tan phu" finds "UBND xã Tân Phú"; a code ("TTHCC-X12133", "1.000894")
    matches exactly. A substring scan of name_folded: the agency and service-point
    tables hold a few tens of thousands of rows, which a scan serves in
    milliseconds; no index helps a %word% search.
    """
    words = _words(text)
    if not words:
        return [], [], []
    code = text.strip()
    points = list(
        ServicePoint.objects.active()
        .filter(Q(code__iexact=code) | _folded_filter(words))
        .select_related("agency")
        .order_by("name")[:limit]
    )
    agencies = list(
        Agency.objects.active()
        .filter(Q(code__iexact=code) | _folded_filter(words))
        .order_by("name")[:limit]
    )
    procedures = list(
        Procedure.objects.active()
        .filter(Q(code__iexact=code) | _folded_filter(words))
        .order_by("name")[: limit // 2]
    )
    return points, agencies, procedures


def places_for_procedure(
    procedure: Procedure, text: str = "", limit: int = 30
) -> tuple[list[ServicePoint], list[Agency]]:
    """Service points and agencies that handle a procedure, narrowed by name.

    "Handle" as agencies.queries defines it: agencies of a kind whose level the
    procedure has (every commune for a `xa` procedure), plus explicit links; so
    the citizen is asked for the commune or agency name to narrow the list.
    """
    words = _words(text)
    kinds = [
        kind for kind, level in LEVEL_OF_KIND.items() if level in procedure.level_list
    ]
    linked_agencies = procedure.agencies.values("pk")
    linked_points = procedure.service_points.values("pk")
    agencies = (
        Agency.objects.active()
        .filter(Q(kind__in=kinds) | Q(pk__in=linked_agencies))
        .filter(_folded_filter(words))
        .order_by("name")
    )
    points = (
        ServicePoint.objects.active()
        .filter(
            Q(agency__kind__in=kinds)
            | Q(agency__in=linked_agencies)
            | Q(pk__in=linked_points)
        )
        .filter(_folded_filter(words))
        .select_related("agency")
        .order_by("name")
    )
    return list(points[:limit]), list(agencies[:limit])


def procedures_at(place: Place) -> QuerySet[Procedure]:
    """Active procedures handled at the place, by field (agencies.queries)."""
    if place.service_point is not None:
        return procedures_for_point(place.service_point)
    return procedures_for_agency(place.agency)


def item_labels(questionnaire: str) -> dict[str, str]:
    """Item code → text from the newest published version (one query)."""
    labels: dict[str, str] = {}
    items = Item.objects.filter(
        version__questionnaire__code=questionnaire,
        version__published_at__isnull=False,
    ).order_by("-version__number", "position")
    english = get_language() == "en"
    for code, text, text_en in items.values_list("code", "text", "text_en"):
        labels.setdefault(code, text_en if english and text_en else text)
    return labels


def already_stored(idempotency_key: str) -> bool:
    """Whether a form with this key was stored (a repeat is not a new response)."""
    return Response.objects.filter(idempotency_key=idempotency_key).exists()
