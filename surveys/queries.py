"""Reads behind the citizen pages: find a place, resolve a code, list procedures."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Q, QuerySet, When
from django.utils.translation import get_language

from agencies.models import AdministrativeUnit, Agency, Procedure, ServicePoint
from agencies.queries import (
    LEVEL_OF_KIND,
    procedures_for_agency,
    procedures_for_point,
)
from agencies.text import fold
from surveys import search
from surveys.models import Item, Questionnaire, QuestionnaireVersion, Response

DEFAULT_QUESTIONNAIRE = "exit-dv"
MAX_SEARCH_WORDS = 8
MAX_RESULTS = 20  # of each kind of place on the start page


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
    version = questionnaire.current_version() if questionnaire else None
    if version is not None:
        version.questionnaire = questionnaire  # known: no query when read
    return version


def _words(text: str) -> list[str]:
    return fold(text).split()[:MAX_SEARCH_WORDS]


def _folded_filter(words: list[str], field: str = "name_folded") -> Q:
    """Every word (or phrase) at the start of a word of the folded name: "an"
    finds "An Bình", not "Nhân"; a word being typed ("hung ye") still matches."""
    query = Q()
    for word in words:
        query &= Q(**{f"{field}__startswith": word}) | Q(
            **{f"{field}__contains": f" {word}"}
        )
    return query


@dataclass
class Found:
    """What a start-page search found: service points and agencies (each with a
    `where` label, see `label_places`), procedures, and how many places matched
    in all (`total`, more than shown when the lists were cut at MAX_RESULTS)."""

    points: list[ServicePoint]
    agencies: list[Agency]
    procedures: list[Procedure]
    total: int

    @property
    def shown(self) -> int:
        return len(self.points) + len(self.agencies)


def province_names() -> dict[str, str]:
    """Province code → name, current and pre-2025 (one small query)."""
    return dict(
        AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.PROVINCE)
        .order_by("code")
        .values_list("code", "name")
    )


def _province_lookup() -> dict[str, set[str]]:
    """Folded bare province name → its code and, for a province merged in 2025,
    its successor's ("thai binh" → {"34", "33"}): the search text names a place
    the citizen knows, whose agencies may now belong to the successor."""
    lookup: dict[str, set[str]] = {}
    rows = AdministrativeUnit.objects.filter(
        level=AdministrativeUnit.Level.PROVINCE
    ).values_list("name", "code", "successor__province_code")
    for name, code, successor in rows:
        codes = lookup.setdefault(search.bare_unit_name(name), set())
        codes.update(c for c in (code, successor) if c)
    return lookup


def _matches(wanted: search.Search, province_field: str) -> Q:
    """Every phrase in the folded name; each province named: in it, or its name
    in the folded name."""
    query = _folded_filter(wanted.phrases)
    for name, codes in wanted.provinces:
        query &= Q(**{f"{province_field}__in": codes}) | _folded_filter([name])
    return query


def _ranked(queryset: QuerySet, wanted: search.Search, code: str, agency: str):
    """Exact names first, then the deployment's province (SIPAS_HOME_PROVINCE),
    then provincial before commune places, then by name. `agency` is the path to
    the agency ("" for agencies, "agency__" for service points)."""
    exact = Q(code__iexact=code) | Q(name_folded=fold(code))
    names = wanted.unit_names()
    if names:
        exact |= Q(**{f"{agency}unit__name_folded__in": names})
    home = settings.SIPAS_HOME_PROVINCE
    return queryset.annotate(
        rank_exact=Case(When(exact, then=0), default=1),
        rank_away=Case(When(**{f"{agency}province_code": home}, then=0), default=1),
        rank_level=Case(
            When(**{f"{agency}unit__level": AdministrativeUnit.Level.COMMUNE}, then=1),
            default=0,
        ),
    ).order_by("rank_exact", "rank_away", "rank_level", "name")


def label_places(points: list[ServicePoint], agencies: list[Agency]) -> None:
    """Give each place a `where` label, "Phường An Bình · Tỉnh Hưng Yên" (the
    province alone for a provincial place): three "phường An Bình" in three
    provinces are told apart. Points need `agency__unit`, agencies `unit`."""
    provinces = province_names() if points or agencies else {}
    for place, agency in [(p, p.agency) for p in points] + [(a, a) for a in agencies]:
        province = provinces.get(agency.province_code, "")
        unit = agency.unit
        if unit.level == AdministrativeUnit.Level.PROVINCE or unit.name == province:
            place.where = province
        else:
            place.where = " · ".join(part for part in (unit.name, province) if part)


def search_places(text: str) -> Found:
    """Service points, agencies and procedures for what a citizen typed.

    Read by `surveys.search` ("mot cua hung yen": the one-stop centres of Hưng
    Yên, "ubnd xa tan phu": "Ủy ban nhân dân xã Tân Phú"); a code
    ("TTHCC-X12133", "1.000894") matches exactly. Ranked by `_ranked`, at most
    MAX_RESULTS of each kind. An agency that has a service point of the same
    code is listed once, as the point (its code opens the point's survey).
    A substring scan of name_folded: the agency and service-point tables hold a
    few tens of thousands of rows, which a scan serves in milliseconds; no index
    helps a %word% search.
    """
    wanted = search.read(text[:100], _province_lookup())
    if wanted.empty:
        return Found([], [], [], 0)
    code = text.strip()
    points_qs = _ranked(
        ServicePoint.objects.active().filter(
            Q(code__iexact=code) | _matches(wanted, "agency__province_code")
        ),
        wanted,
        code,
        "agency__",
    )
    agencies_qs = _ranked(
        Agency.objects.active()
        .filter(Q(code__iexact=code) | _matches(wanted, "province_code"))
        .exclude(code__in=ServicePoint.objects.active().values("code")),
        wanted,
        code,
        "",
    )
    points = list(points_qs.select_related("agency__unit")[:MAX_RESULTS])
    agencies = list(agencies_qs.select_related("unit")[:MAX_RESULTS])
    total = len(points) + len(agencies)
    if MAX_RESULTS in (len(points), len(agencies)):
        total = points_qs.count() + agencies_qs.count()
    label_places(points, agencies)
    # Procedures: the words that are not a province ("dang ky ket hon hung yen").
    procedures = (
        list(
            Procedure.objects.active()
            .filter(Q(code__iexact=code) | _folded_filter(wanted.phrases))
            .order_by("name")[: MAX_RESULTS // 2]
        )
        if wanted.phrases
        else []
    )
    return Found(points, agencies, procedures, total)


def places_for_procedure(
    procedure: Procedure, text: str = "", limit: int = 30
) -> tuple[list[ServicePoint], list[Agency]]:
    """Service points and agencies that handle a procedure, narrowed by name.

    "Handle" as agencies.queries defines it: agencies of a kind whose level the
    procedure has (every commune for a `xa` procedure), plus explicit links; so
    the citizen is asked for the commune or agency name to narrow the list.
    """
    wanted = search.read(text[:100], _province_lookup())
    kinds = [
        kind for kind, level in LEVEL_OF_KIND.items() if level in procedure.level_list
    ]
    linked_agencies = procedure.agencies.values("pk")
    linked_points = procedure.service_points.values("pk")
    agencies = _ranked(
        Agency.objects.active()
        .filter(Q(kind__in=kinds) | Q(pk__in=linked_agencies))
        .filter(_matches(wanted, "province_code")),
        wanted,
        text.strip(),
        "",
    )
    points = _ranked(
        ServicePoint.objects.active()
        .filter(
            Q(agency__kind__in=kinds)
            | Q(agency__in=linked_agencies)
            | Q(pk__in=linked_points)
        )
        .filter(_matches(wanted, "agency__province_code")),
        wanted,
        text.strip(),
        "agency__",
    )
    found_points = list(points.select_related("agency__unit")[:limit])
    found_agencies = list(agencies.select_related("unit")[:limit])
    label_places(found_points, found_agencies)
    return found_points, found_agencies


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


def stored_response(idempotency_key: str) -> Response | None:
    """The response stored for a form's key, None when none is."""
    return Response.objects.filter(idempotency_key=idempotency_key).first()
