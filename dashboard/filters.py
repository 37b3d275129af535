"""Dashboard filters read from the URL querystring (periods: sipas.periods).

Filters live in the URL so a view can be shared: `?period=2026-Q3&questionnaire=
exit-dv&agency=UBND-T33&channel=truc_tuyen&field=Hộ tịch`. Malformed values are
not an error page: they fall back to the default and are reported in
`Filters.errors` so the page can say what was ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from sipas.periods import current_year, is_period, parse_period
from surveys.models import Channel

QUESTIONNAIRES = {
    "exit-dv": _("Phiếu sau giao dịch (exit-dv)"),
    "hh-1001": _("Phiếu hộ gia đình (hh-1001)"),
}
# The headline of each questionnaire (docs/method.md): A_DV for exit-dv, SIPAS for
# hh-1001.
HEADLINE = {"exit-dv": ("aspect", "A_DV"), "hh-1001": ("sipas", "SIPAS")}
CHANNELS = dict(Channel.choices)
KINDS = dict(Agency.Kind.choices)


@dataclass
class Filters:
    period: str
    questionnaire: str = "exit-dv"
    agency: str = ""  # agency code: the root of the subtree shown; "" = home scope
    channel: str = ""
    field: str = ""  # procedure field (lĩnh vực)
    kind: str = ""  # agency kind (ranking, sample adequacy)
    errors: list[str] = dataclass_field(default_factory=list)
    # Set by dashboard.queries.resolve_focus when the agency typed was not found
    # within the user's scope: the text, and visible agencies it might mean.
    agency_query: str = ""
    agency_suggestions: list = dataclass_field(default_factory=list)

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
    if period and not is_period(period):
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
    if field_name and period and parse_period(period).granularity == "month":
        # The engine breaks fields down for years and quarters only (see
        # reports.engine.setup.BREAKDOWN_GRANULARITIES).
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
        agency=params.get("agency", "").strip()[:100],
        channel=channel,
        field=field_name,
        kind=kind,
        errors=errors,
    )
