"""Dashboard filters read from the URL querystring, and period arithmetic.

Filters live in the URL so a view can be shared: `?period=2026-Q3&questionnaire=
exit-dv&agency=UBND-T33&channel=truc_tuyen&field=Hộ tịch`. Malformed values are
not an error page: they fall back to the default and are reported in
`Filters.errors` so the page can say what was ignored.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from surveys.models import Channel

QUESTIONNAIRES = {
    "exit-dv": _("Phiếu sau giao dịch (exit-dv)"),
    "hh-1001": _("Phiếu hộ gia đình (hh-1001)"),
}
# The headline of each questionnaire (CONTRACT.md): A_DV for exit-dv, SIPAS for hh-1001.
HEADLINE = {"exit-dv": ("aspect", "A_DV"), "hh-1001": ("sipas", "SIPAS")}
CHANNELS = dict(Channel.choices)
KINDS = dict(Agency.Kind.choices)
PERIOD_RE = re.compile(
    r"^(?P<year>20\d\d)(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$"
)


def current_year() -> int:
    return timezone.localdate().year


def parse_period(value: str) -> tuple[int, str, int] | None:
    """("2026-Q3") -> (2026, "Q", 3); "2026" -> (2026, "Y", 0); None if malformed.

    >>> parse_period("2026-07")
    (2026, 'M', 7)
    >>> parse_period("2026-13") is None
    True
    """
    match = PERIOD_RE.match(value or "")
    if not match:
        return None
    year = int(match["year"])
    if match["quarter"]:
        return year, "Q", int(match["quarter"])
    if match["month"]:
        return year, "M", int(match["month"])
    return year, "Y", 0


def format_period(year: int, unit: str, number: int) -> str:
    if unit == "Q":
        return f"{year}-Q{number}"
    if unit == "M":
        return f"{year}-{number:02d}"
    return str(year)


def shift_period(period: str, steps: int) -> str:
    """The period `steps` units later (negative: earlier), same granularity.

    >>> shift_period("2026-Q1", -1)
    '2025-Q4'
    >>> shift_period("2026-01", -2)
    '2025-11'
    >>> shift_period("2026", -1)
    '2025'
    """
    year, unit, number = parse_period(period)
    if unit == "Y":
        return str(year + steps)
    size = 4 if unit == "Q" else 12
    index = year * size + (number - 1) + steps
    return format_period(index // size, unit, index % size + 1)


def previous_period(period: str) -> str:
    return shift_period(period, -1)


def trend_periods(period: str) -> list[str]:
    """The chosen period and the ones before it, oldest first (5 years, 8
    quarters or 12 months)."""
    unit = parse_period(period)[1]
    count = {"Y": 5, "Q": 8, "M": 12}[unit]
    return [shift_period(period, -k) for k in range(count - 1, -1, -1)]


def months_of(period: str) -> list[str]:
    """The months a period covers (a month: the 12 months up to it).

    >>> months_of("2026-Q3")
    ['2026-07', '2026-08', '2026-09']
    """
    year, unit, number = parse_period(period)
    if unit == "Y":
        return [format_period(year, "M", m) for m in range(1, 13)]
    if unit == "Q":
        return [
            format_period(year, "M", m) for m in range(3 * number - 2, 3 * number + 1)
        ]
    return trend_periods(period)


def period_choices(year: int | None = None) -> list[str]:
    """Periods offered in the filter: this year and the two before, each with its
    quarters and months, newest first."""
    year = year or current_year()
    choices = []
    for y in range(year, year - 3, -1):
        choices.append(str(y))
        choices += [format_period(y, "Q", q) for q in range(4, 0, -1)]
        choices += [format_period(y, "M", m) for m in range(12, 0, -1)]
    return choices


@dataclass
class Filters:
    period: str
    questionnaire: str = "exit-dv"
    agency: str = ""  # agency code: the root of the subtree shown; "" = home scope
    channel: str = ""
    field: str = ""  # procedure field (lĩnh vực)
    kind: str = ""  # agency kind (ranking, sample adequacy)
    errors: list[str] = dataclass_field(default_factory=list)

    @property
    def headline(self) -> tuple[str, str]:
        return HEADLINE[self.questionnaire]

    @property
    def dimension(self) -> tuple[str, str]:
        """The breakdown rows to read: channel, else procedure field, else the
        headline rows ("", "")."""
        if self.channel:
            return "channel", self.channel
        if self.field:
            return "field", self.field
        return "", ""

    def querystring(self, **overrides: str) -> str:
        values = {
            "period": self.period,
            "questionnaire": self.questionnaire,
            "agency": self.agency,
            "channel": self.channel,
            "field": self.field,
            "kind": self.kind,
        }
        values.update(overrides)
        return urlencode({k: v for k, v in values.items() if v})


def read_filters(params: QueryDict) -> Filters:
    """Parse the dashboard filters; bad values fall back to defaults, with a note."""
    errors: list[str] = []
    period = params.get("period", "").strip()
    if period and parse_period(period) is None:
        errors.append(_("Kỳ không hợp lệ; đang hiển thị năm hiện tại."))
        period = ""
    questionnaire = params.get("questionnaire", "exit-dv").strip() or "exit-dv"
    if questionnaire not in QUESTIONNAIRES:
        errors.append(_("Bộ câu hỏi không hợp lệ; đang hiển thị phiếu sau giao dịch."))
        questionnaire = "exit-dv"
    channel = params.get("channel", "").strip()
    if channel and channel not in CHANNELS:
        errors.append(_("Kênh không hợp lệ; bộ lọc kênh bị bỏ qua."))
        channel = ""
    field_name = params.get("field", "").strip()[:200]
    kind = params.get("kind", "").strip()
    if kind and kind not in KINDS:
        errors.append(_("Loại cơ quan không hợp lệ; bộ lọc bị bỏ qua."))
        kind = ""
    if field_name and period and parse_period(period)[1] == "M":
        # The engine breaks fields down for years and quarters only (see
        # reports.services.BREAKDOWN_GRANULARITIES).
        errors.append(
            _(
                "Chỉ số theo lĩnh vực có cho năm và quý, không có cho từng tháng; "
                "bộ lọc lĩnh vực bị bỏ qua."
            )
        )
        field_name = ""
    if channel and field_name:
        errors.append(_("Chỉ áp dụng được một phân nhóm mỗi lần; đang lọc theo kênh."))
    return Filters(
        period=period or str(current_year()),
        questionnaire=questionnaire,
        agency=params.get("agency", "").strip()[:32],
        channel=channel,
        field=field_name,
        kind=kind,
        errors=errors,
    )


def as_date_range(period: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period (for filters on raw responses)."""
    year, unit, number = parse_period(period)
    if unit == "Y":
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first_month = 3 * number - 2 if unit == "Q" else number
    last_month = first_month + (2 if unit == "Q" else 0)
    start = datetime.date(year, first_month, 1)
    end_next = (
        datetime.date(year + 1, 1, 1)
        if last_month == 12
        else datetime.date(year, last_month + 1, 1)
    )
    return start, end_next - datetime.timedelta(days=1)
