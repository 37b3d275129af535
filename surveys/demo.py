"""Synthetic but realistic demo responses for one province (seed_demo).

The generator draws a latent satisfaction for every response from effects that a
province would recognise: some agencies serve better than others, land and
construction procedures rate lower than civil status and certification, online
users judge the premises less and the deadlines more, graduates and business
people are more critical, complaint handling (E5) is the weakest element, and
service improves month by month through the year. Items are that latent level
plus item effects and noise, rounded to SAT5. Blanks are realistic: single items,
whole elements, E5 skipped by people who never complained, quick "G only" ratings.
About one in ten responses is a household form (hh-1001) of a commune campaign,
and when pre-2025 agencies of the merged provinces exist, some responses of 2024
and the first half of 2025 are attached to them.

Everything is drawn from one `random.Random(seed)`, so the same seed, year and
reference data give the same responses (same ids, same answers); a current year
ends today, so pass --year for data that must not change from day to day. Responses are
written through `surveys.services.store_responses`, in batches.
"""

from __future__ import annotations

import datetime
import math
import random
import uuid
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from agencies.models import Agency, Procedure, ServicePoint
from surveys.demo_comments import comment_for
from surveys.demo_effects import (
    CHANNEL_EFFECTS,
    CHANNEL_WEIGHTS,
    FIELD_EFFECTS,
    ITEM_EFFECTS,
    RESPONDENT_EFFECTS,
    RESPONDENT_WEIGHTS,
    procedure_weights,
)
from surveys.models import Channel, Item, Questionnaire, QuestionnaireVersion, Response
from surveys.services import ResponseDraft, store_responses

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MERGER_DAY = datetime.date(2025, 7, 1)
HOUSEHOLD_SHARE = 0.10
LEGACY_SHARE = 0.08


@dataclass
class Place:
    """An agency that receives responses, with what it needs to draw one."""

    agency_id: int
    code: str
    effect: float
    weight: float
    service_point_ids: list[int]
    procedures: list[tuple[int, float]]  # (procedure id, field effect)
    # Cumulative weights of `procedures` (in an order of the place's own), for
    # rng.choices: see demo_effects.procedure_weights.
    procedure_weights: list[float] = field(default_factory=list)
    unit_agency_id: int | None = None  # UBND-X of a commune centre (household forms)
    legacy: bool = False
    valid_from: datetime.date = datetime.date.min
    valid_until: datetime.date = datetime.date.max


@dataclass
class DemoPlan:
    province: str
    start: datetime.date
    end: datetime.date
    exit_version: QuestionnaireVersion
    household_version: QuestionnaireVersion | None
    places: list[Place]
    legacy_places: list[Place] = field(default_factory=list)
    online_point_id: int | None = None  # the province's public service portal
    now: datetime.datetime | None = None  # nothing is dated after this moment
    items: dict[int, list[Item]] = field(default_factory=dict)


class DemoError(Exception):
    """The reference data the demo needs is missing (the message says what)."""


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _field_effect(field_name: str) -> float:
    name = field_name.lower()
    return next((e for key, e in FIELD_EFFECTS.items() if name.startswith(key)), 0.0)


def _published(code: str) -> QuestionnaireVersion | None:
    questionnaire = Questionnaire.objects.filter(code=code).first()
    return questionnaire.current_version() if questionnaire else None


def build_plan(
    *,
    province: str,
    year: int,
    seed: int,
    today: datetime.date,
    now: datetime.datetime | None = None,
) -> DemoPlan:
    """Read the province's agencies, service points and procedures; raise DemoError."""
    exit_version = _published("exit-dv")
    if exit_version is None:
        raise DemoError(
            "No published exit-dv questionnaire: run load_reference_data first."
        )
    start = datetime.date(year, 1, 1)
    end = min(datetime.date(year, 12, 31), today)
    if start > end:
        raise DemoError(f"--year {year} has not started yet.")
    serving = [
        Agency.Kind.SERVICE_CENTRE_PROVINCE,
        Agency.Kind.DEPARTMENT,
        Agency.Kind.SERVICE_CENTRE_COMMUNE,
    ]
    active = Agency.objects.active_in(start, end).filter(
        province_code=province, kind__in=serving
    )
    # Pre-2025 agencies whose successor (district or province level) is in it.
    legacy = Agency.objects.filter(valid_until__lt=MERGER_DAY).filter(
        Q(successor__province_code=province) | Q(province_code=province)
    )
    plan = DemoPlan(
        province=province,
        start=start,
        end=end,
        exit_version=exit_version,
        household_version=_published("hh-1001"),
        places=_places(active, seed),
        legacy_places=_places(legacy, seed, legacy=True) if year >= 2025 else [],
        now=now,
    )
    if not plan.places:
        raise DemoError(
            f"Province {province} has no service centre or department: "
            "run load_reference_data first (unknown province code?)."
        )
    plan.online_point_id = (
        ServicePoint.objects.filter(
            kind=ServicePoint.Kind.ONLINE, agency__province_code=province
        )
        .order_by("code")
        .values_list("pk", flat=True)
        .first()
    )
    for version in filter(None, [plan.exit_version, plan.household_version]):
        plan.items[version.pk] = list(version.items.order_by("position"))
    return plan


def _places(agencies, seed: int, legacy: bool = False) -> list[Place]:
    agencies = list(agencies.order_by("code").select_related("parent"))
    points: dict[int, list[int]] = {}
    for point in ServicePoint.objects.filter(agency__in=agencies).order_by("code"):
        points.setdefault(point.agency_id, []).append(point.pk)
    centre = next(
        (a for a in agencies if a.kind == Agency.Kind.SERVICE_CENTRE_PROVINCE), None
    )
    linked: dict[int, list[tuple[int, float]]] = {}
    for agency_id, pk, field_name in (
        Procedure.agencies.through.objects.filter(agency__in=agencies)
        .order_by("procedure__code")
        .values_list("agency_id", "procedure_id", "procedure__field")
    ):
        linked.setdefault(agency_id, []).append((pk, _field_effect(field_name)))
    by_level = {
        level: [
            (pk, _field_effect(field_name))
            for pk, field_name in Procedure.objects.filter(levels__contains=level)
            .order_by("code")
            .values_list("pk", "field")
        ]
        for level in ("tinh", "xa")
    }
    places = []
    for agency in agencies:
        rng = random.Random(f"{seed}:{agency.code}")
        commune = agency.kind in (
            Agency.Kind.SERVICE_CENTRE_COMMUNE,
            Agency.Kind.PEOPLES_COMMITTEE_COMMUNE,
        )
        # Departments receive their dossiers at the provincial centre's counters.
        service_points = points.get(agency.pk) or (
            points.get(centre.pk, []) if centre and not commune else []
        )
        procedures = linked.get(agency.pk) or by_level["xa" if commune else "tinh"]
        procedures = rng.sample(procedures, len(procedures))
        places.append(
            Place(
                agency_id=agency.pk,
                code=agency.code,
                effect=rng.gauss(0, 0.25),
                # Busy and quiet offices: a long-tailed share of the responses.
                weight=math.exp(rng.gauss(0, 0.6)) * (3 if not commune else 1),
                service_point_ids=service_points,
                procedures=procedures,
                procedure_weights=procedure_weights(len(procedures)),
                unit_agency_id=agency.parent_id if commune else None,
                legacy=legacy,
                valid_from=agency.valid_from or datetime.date.min,
                valid_until=agency.valid_until or datetime.date.max,
            )
        )
    return places


def _moment(
    rng: random.Random,
    start: datetime.date,
    end: datetime.date,
    online: bool,
    now: datetime.datetime | None = None,
):
    """A plausible submission time: office hours on working days, any time online;
    never after `now` (a time of today still to come is drawn again)."""
    while True:
        moment = _draw_moment(rng, start, end, online)
        if now is None or moment <= now:
            return moment


def _draw_moment(rng: random.Random, start, end, online: bool):
    days = (end - start).days
    while True:
        day = start + datetime.timedelta(days=rng.randint(0, days))
        if online or day.weekday() < 5 or (day.weekday() == 5 and rng.random() < 0.3):
            break
    if online:
        minutes = int(rng.triangular(6 * 60, 23 * 60, 14 * 60))
    else:
        minutes = rng.choice([rng.randint(450, 690), rng.randint(810, 1020)])
    moment = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
    return moment.replace(second=rng.randint(0, 59), tzinfo=TZ)


def _sat5(rng: random.Random, level: float) -> int:
    return max(1, min(5, round(level + rng.gauss(0, 0.55))))


def _exit_draft(rng: random.Random, plan: DemoPlan, place: Place, start, end):
    channel = _weighted(rng, CHANNEL_WEIGHTS)
    # Only days on which the agency existed (communes merged on 1/7/2025).
    first = max(start, place.valid_from)
    last = max(first, min(end, place.valid_until))
    when = _moment(rng, first, last, online=channel == Channel.ONLINE, now=plan.now)
    respondent = _respondent(rng)
    procedure_id, field_effect = (
        rng.choices(place.procedures, cum_weights=place.procedure_weights)[0]
        if place.procedures
        else (None, 0.0)
    )
    # Service improves through the year (training, digital counters); the span
    # of the plan gives the trend its scale, a dip in the Tết month adds texture.
    progress = (when.date() - start).days / max(1, (end - start).days)
    trend = 0.30 * progress - (0.15 if when.month == 2 else 0.0)
    level = (
        4.20
        + place.effect
        + field_effect
        + trend
        + sum(RESPONDENT_EFFECTS.get(pair, 0.0) for pair in respondent.items())
        + rng.gauss(0, 0.45)
    )
    answers: dict[str, int] = {}
    items = plan.items[plan.exit_version.pk]
    if rng.random() < 0.04:
        answers["G"] = _sat5(rng, level)  # a quick rating: only the overall item
    else:
        skipped_element = (
            rng.choice(["E1", "E2", "E4", "E5"]) if rng.random() < 0.08 else ""
        )
        complained = rng.random() < 0.35
        channel_effects = CHANNEL_EFFECTS[channel]
        for item in items:
            if item.code == "G" or item.kind != Item.Kind.SAT5:
                continue
            if item.element == skipped_element or rng.random() < 0.03:
                continue
            if item.element == "E5" and not complained:
                continue
            effect = ITEM_EFFECTS.get(item.code, 0.0) + channel_effects.get(
                item.element, 0.0
            )
            answers[item.code] = _sat5(rng, level + effect)
        if not answers or rng.random() < 0.93:
            answers["G"] = _sat5(rng, level + 0.05)
    mean = sum(answers.values()) / len(answers) if answers else level
    if channel == Channel.ONLINE:
        service_point_id = None if place.legacy else plan.online_point_id
    else:
        service_point_id = (
            rng.choice(place.service_point_ids) if place.service_point_ids else None
        )
    return ResponseDraft(
        version=plan.exit_version,
        agency_id=place.agency_id,
        answers=answers,
        submitted_at=when,
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        service_point_id=service_point_id,
        procedure_id=procedure_id,
        channel=channel,
        respondent=respondent,
        # The tone follows the overall rating the triage shows beside it.
        comment=comment_for(rng, answers.get("G", mean), channel)
        if rng.random() < 0.18
        else "",
        source=Response.Source.DEMO,
    )


def _respondent(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.05:
        return {}  # some people skip the whole respondent section
    return {
        name: _weighted(rng, weights)
        for name, weights in RESPONDENT_WEIGHTS.items()
        if rng.random() > 0.08
    }


def _household_draft(rng: random.Random, plan: DemoPlan, place: Place):
    version = plan.household_version
    # Household campaigns run in autumn (August–October), interviewers in the day.
    campaign_start = max(
        plan.start, place.valid_from, datetime.date(plan.start.year, 8, 1)
    )
    campaign_end = min(
        plan.end, place.valid_until, datetime.date(plan.start.year, 10, 31)
    )
    if campaign_start > campaign_end:
        campaign_start = max(plan.start, place.valid_from)
        campaign_end = max(campaign_start, min(plan.end, place.valid_until))
    respondent = _respondent(rng)
    level = 4.25 + place.effect + rng.gauss(0, 0.45)
    answers: dict[str, int | list[int]] = {}
    did_procedure = rng.random() < 0.55
    for item in plan.items[version.pk]:
        code = item.code
        if item.kind == Item.Kind.SAT5:
            if item.aspect == "A_DV" and not did_procedure:
                continue
            if rng.random() < 0.04:
                continue
            answers[code] = _sat5(rng, level + ITEM_EFFECTS.get(code, 0.0))
        elif code == "N2":
            answers[code] = sorted(rng.sample(range(1, 8), rng.choice([1, 2, 2, 3])))
        elif code == "N8.3":
            answers[code] = 1 if did_procedure else 2
        elif code in ("N4", "N5"):
            answers[code] = rng.choices([1, 2, 3], weights=[70, 25, 5])[0]
        elif code.startswith("N1."):
            answers[code] = rng.choices([1, 2, 3], weights=[20, 45, 35])[0]
        elif code.startswith("M"):
            answers[code] = rng.choices([1, 2, 3], weights=[35, 42, 23])[0]
        elif item.options and rng.random() > 0.03:
            answers[code] = rng.choice(sorted(item.option_values))
    return ResponseDraft(
        version=version,
        agency_id=place.unit_agency_id or place.agency_id,
        answers=answers,
        submitted_at=_moment(
            rng, campaign_start, campaign_end, online=False, now=plan.now
        ),
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        respondent=respondent,
        comment=comment_for(rng, _mean_rating(answers, plan.items[version.pk]), "")
        if rng.random() < 0.12
        else "",
        source=Response.Source.DEMO,
    )


def _mean_rating(answers: dict, items: list[Item]) -> float:
    ratings = [
        answers[item.code]
        for item in items
        if item.kind == Item.Kind.SAT5 and item.code in answers
    ]
    return sum(ratings) / len(ratings) if ratings else 3.0


def generate(plan: DemoPlan, count: int, seed: int) -> Iterator[ResponseDraft]:
    """`count` drafts drawn from `plan`; the same seed and plan give the same drafts."""
    rng = random.Random(seed)
    weights = [place.weight for place in plan.places]
    communes = [p for p in plan.places if p.unit_agency_id]
    legacy_weights = [place.weight for place in plan.legacy_places]
    legacy_start = datetime.date(2024, 1, 1)
    legacy_end = MERGER_DAY - datetime.timedelta(days=1)
    for _n in range(count):
        draw = rng.random()
        if draw < HOUSEHOLD_SHARE and plan.household_version and communes:
            yield _household_draft(rng, plan, rng.choice(communes))
        elif draw < HOUSEHOLD_SHARE + LEGACY_SHARE and plan.legacy_places:
            place = rng.choices(plan.legacy_places, weights=legacy_weights)[0]
            yield _exit_draft(rng, plan, place, legacy_start, legacy_end)
        else:
            place = rng.choices(plan.places, weights=weights)[0]
            yield _exit_draft(rng, plan, place, plan.start, plan.end)


def seed_responses(
    *,
    count: int,
    seed: int,
    province: str,
    year: int,
    today: datetime.date,
    now: datetime.datetime | None = None,
    batch_size: int = 2000,
) -> int:
    """Store `count` demo responses through store_responses; returns how many.

    All batches share one transaction: the demo data lands whole or not at all.
    No sweep is scheduled (``notify=False``): the uncounted responses are counted
    by `compute_indices` (which `make demo` runs next) or by beat's periodic
    sweep.
    """
    plan = build_plan(province=province, year=year, seed=seed, today=today, now=now)
    stored = 0
    batch: list[ResponseDraft] = []
    with transaction.atomic():
        for draft in generate(plan, count, seed):
            batch.append(draft)
            if len(batch) == batch_size:
                stored += len(store_responses(batch, notify=False))
                batch = []
        if batch:
            stored += len(store_responses(batch, notify=False))
    return stored
