"""Early warnings, raised after each recompute (improvement.services) from the
stored indices, and the daily e-mail digest of them.

For every agency with indices in the period (subtree scope, official rows): a
significant drop of the headline or of an element against the previous period
and against the same period last year, a significant rise in the share of
overall ratings 1–2 and in the share of negative comments (a comment left with
an overall rating of 1–2), false discoveries controlled per agency (see
alerts_math); and an index below the province's target for the year. One alert
per agency, indicator and period: a later run adds reasons to it and never
reopens what staff acknowledged or resolved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from agencies.models import Agency
from improvement import alerts_math
from improvement.alerts_math import Figure
from improvement.models import Alert, DigestPreference, DigestSent, Target
from reports.models import IndexResult
from sipas.periods import parse_period, previous_period, same_period_last_year
from sipas.signals import alerts_raised
from staff.scope import visible_agencies
from surveys.metadata import QUESTIONNAIRE_ELEMENTS
from surveys.models import QuestionnaireVersion

HEADLINE = "A_DV"
LOW_RATINGS = "G:1-2"  # the alert's indicator for the share of ratings 1–2
COMMENTS = "comments"  # the alert's indicator for the share of negative comments
Reason = Alert.Reason


def _index_figures(periods: list[str], questionnaire: str) -> dict:
    """{(agency_id, period, indicator): Figure} of the headline, the elements and
    the share of ratings 1–2 (G:1 + G:2), from IndexResult."""
    indicators = [HEADLINE, *QUESTIONNAIRE_ELEMENTS[questionnaire], "G:1", "G:2"]
    rows = IndexResult.objects.filter(
        period__in=periods,
        questionnaire=questionnaire,
        scope=IndexResult.Scope.SUBTREE,
        dimension="",
        dimension_value="",
        indicator__in=indicators,
    ).values_list("agency_id", "period", "indicator", "value", "n", "ci_low", "ci_high")
    figures = {}
    low = defaultdict(lambda: [0.0, 0])
    for agency, period, indicator, value, n, lo, hi in rows:
        if indicator in ("G:1", "G:2"):
            if value is not None:
                low[(agency, period)][0] += value
                low[(agency, period)][1] = n
        else:
            figures[(agency, period, indicator)] = Figure(value, n, lo, hi)
    for (agency, period), (value, n) in low.items():
        figures[(agency, period, LOW_RATINGS)] = Figure(value, n)
    return figures


def _comment_figures(periods: list[str], questionnaire: str) -> dict:
    """{(agency_id, period, COMMENTS): Figure}: the share (%) of responses that
    left a comment with an overall rating of 1–2, per subtree. One grouped query
    per period over the agencies' own responses, spread up the tree here."""
    versions = list(
        QuestionnaireVersion.objects.filter(
            questionnaire__code=questionnaire
        ).values_list("pk", flat=True)
    )
    if not versions:
        return {}
    marks = ", ".join(["%s"] * len(versions))
    sql = f"""
        SELECT r.agency_id, COUNT(*),
               SUM(CASE WHEN r.comment <> '' AND EXISTS (
                   SELECT 1 FROM surveys_answer g WHERE g.response_id = r.id
                   AND g.year = %s AND g.item_code = 'G' AND g.value <= 2)
               THEN 1 ELSE 0 END)
        FROM surveys_response r
        WHERE r.submitted_at >= %s AND r.submitted_at < %s AND NOT r.flagged
          AND r.version_id IN ({marks})
        GROUP BY r.agency_id
    """
    own: dict[tuple[int, str], tuple[int, int]] = {}
    for period in periods:
        start, end = parse_period(period).bounds()
        with connection.cursor() as cursor:
            # the year: one answer partition (surveys.partitions)
            cursor.execute(sql, [parse_period(period).year, start, end, *versions])
            for agency, total, negative in cursor.fetchall():
                own[(agency, period)] = (total, negative or 0)
    paths = dict(
        Agency.objects.filter(pk__in={a for a, _p in own}).values_list("pk", "path")
    )
    spread: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for (agency, period), (total, negative) in own.items():
        ancestors = [int(p) for p in paths.get(agency, "").strip("/").split("/") if p]
        for ancestor in ancestors or [agency]:
            spread[(ancestor, period)][0] += total
            spread[(ancestor, period)][1] += negative
    return {
        (agency, period, COMMENTS): Figure(100 * negative / total, total)
        for (agency, period), (total, negative) in spread.items()
        if total
    }


def _targets(period: str, questionnaire: str) -> list[Target]:
    return list(
        Target.objects.filter(
            year=parse_period(period).first.year, questionnaire=questionnaire
        )
    )


def applicable_target(agency: Agency, targets: list[Target], indicator: str):
    """The most specific target for the agency and indicator: its own, its
    kind's, or its province's; None without one."""
    best, rank = None, -1
    for target in targets:
        if (
            target.indicator != indicator
            or target.province_code != agency.province_code
        ):
            continue
        if target.agency_id is not None:
            level = 2 if target.agency_id == agency.pk else -1
        elif target.agency_kind:
            level = 1 if target.agency_kind == agency.kind else -1
        else:
            level = 0
        if level > rank:
            best, rank = target, level
    return best


def target_for(
    *, agency: Agency, questionnaire: str, indicator: str, period: str
) -> float | None:
    """The target value (%) that applies to the agency's indicator in the year
    of the period, or None (one query). The dashboard's KPI cards read it
    through settings.SIPAS_TARGET_READER: dashboard sits below improvement."""
    targets = Target.objects.filter(
        province_code=agency.province_code,
        year=parse_period(period).first.year,
        questionnaire=questionnaire,
        indicator=indicator,
    )
    target = applicable_target(agency, list(targets), indicator)
    return target.value if target is not None else None


def detect(period: str, questionnaire: str = "exit-dv") -> int:
    """Raise the alerts of one period; returns the number of new alerts."""
    references = {
        Reason.DROP_PREVIOUS: previous_period(period),
        Reason.DROP_LAST_YEAR: same_period_last_year(period),
    }
    periods = [period, *references.values()]
    figures = _index_figures(periods, questionnaire)
    figures.update(_comment_figures(periods, questionnaire))
    agencies = {
        a.pk: a
        for a in Agency.objects.filter(
            pk__in={agency for agency, p, _i in figures if p == period}
        )
    }
    targets = _targets(period, questionnaire)
    found: dict[tuple[int, str], dict] = defaultdict(dict)
    indicators = [HEADLINE, *QUESTIONNAIRE_ELEMENTS[questionnaire]]
    for agency_id, agency in agencies.items():
        tests = []  # (indicator, reason, p, current, reference): one BH family
        for reason, reference in references.items():
            for indicator, worse, label in (
                *((i, "down", reason) for i in indicators),
                (LOW_RATINGS, "up", Reason.LOW_RATINGS),
                (COMMENTS, "up", Reason.NEGATIVE_COMMENTS),
            ):
                current = figures.get((agency_id, period, indicator))
                before = figures.get((agency_id, reference, indicator))
                if current is None or before is None:
                    continue
                p = alerts_math.change_p_value(current, before, worse=worse)
                if p is not None:
                    tests.append((indicator, label, p, current, before, reference))
        flags = alerts_math.significant([t[2] for t in tests]) if tests else []
        for (indicator, label, p, current, before, reference), flag in zip(
            tests, flags, strict=True
        ):
            if flag:
                found[(agency_id, indicator)][label] = {
                    "value": round(current.value, 2),
                    "reference": round(before.value, 2),
                    "reference_period": reference,
                    "p": round(p, 5),
                }
        headline = figures.get((agency_id, period, HEADLINE))
        target = applicable_target(agency, targets, HEADLINE)
        if (
            target
            and headline
            and headline.value is not None
            and headline.n >= alerts_math.MIN_N
            and headline.value < target.value
        ):
            found[(agency_id, HEADLINE)][Reason.BELOW_TARGET] = {
                "value": round(headline.value, 2),
                "target": target.value,
            }
    return _store(period, questionnaire, found, figures)


def _store(period, questionnaire, found, figures) -> int:
    """Write the alerts found; send `alerts_raised` with the new ones (the
    API's `alert.raised` webhook) inside the same transaction."""
    new = []
    with transaction.atomic():
        for (agency_id, indicator), reasons in found.items():
            current = figures.get((agency_id, period, indicator))
            alert, is_new = Alert.objects.get_or_create(
                agency_id=agency_id,
                period=period,
                questionnaire=questionnaire,
                indicator=indicator,
                defaults={
                    "reasons": sorted(reasons),
                    "detail": reasons,
                    "value": current.value if current else None,
                },
            )
            if is_new:
                new.append(alert)
                continue
            merged = sorted(set(alert.reasons) | set(reasons))
            if merged != alert.reasons:
                alert.reasons = merged
                alert.detail = {**alert.detail, **reasons}
                alert.save(update_fields=["reasons", "detail", "updated_at"])
        if new:
            alerts_raised.send(sender=Alert, alerts=new)
    return len(new)


# --- Daily digest ------------------------------------------------------------------


def digest_recipients():
    """Active staff with an e-mail address who have not opted out."""
    opted_out = DigestPreference.objects.filter(daily_digest=False).values("user")
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__isnull=False)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .select_related("staff_profile__agency")
        .order_by("pk")
    )


def send_digests(now: datetime.datetime | None = None) -> int:
    """Send each recipient, at most once per local day, one e-mail listing the
    open alerts of their scope raised since their previous digest (or in the
    last day). Returns the e-mails sent. Safe to run twice: the DigestSent row
    is written in the transaction that sends, so a second run the same day
    sends nothing and a failed send is retried by the next run."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    sent = 0
    for user in digest_recipients():
        if DigestSent.objects.filter(user=user, day=day).exists():
            continue
        last = DigestSent.objects.filter(user=user).order_by("-day").first()
        since = last.sent_at if last else now - datetime.timedelta(days=1)
        alerts = list(
            Alert.objects.filter(
                status=Alert.Status.OPEN,
                created_at__gte=since,
                agency__in=visible_agencies(user),
            )
            .select_related("agency")
            .order_by("agency__name", "indicator")[:200]
        )
        if not alerts:
            continue
        with transaction.atomic():
            DigestSent.objects.create(user=user, day=day, alerts=len(alerts))
            with translation.override(settings.LANGUAGE_CODE):
                body = render_to_string(
                    "improvement/digest_email.txt",
                    {"user": user, "alerts": alerts, "site": settings.SITE_URL},
                )
                subject = translation.gettext("SIPAS: %(n)s cảnh báo mới") % {
                    "n": len(alerts)
                }
            send_mail(subject, body, None, [user.email])
        sent += 1
    return sent
