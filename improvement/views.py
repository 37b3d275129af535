"""Improvement pages under /dashboard/improvement/: what to fix first (key
drivers). Each view: login → query layer (scope enforced there) → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from improvement import queries
from improvement.models import DriverRun
from reports.filters import Filters, period_choices, read_filters
from staff.scope import home_agency, require_profile


def _choice(request: HttpRequest, name: str, choices, default: str) -> str:
    """A querystring choice; an unknown value falls back to the default, with a note."""
    value = request.GET.get(name, "") or default
    if value not in dict(choices):
        messages.warning(request, _("Giá trị lọc không hợp lệ đã được bỏ qua."))
        return default
    return value


@login_required
def drivers_home(request: HttpRequest) -> HttpResponse:
    """The drivers of the user's home agency (the province for an analyst)."""
    agency = home_agency(require_profile(request.user))
    if agency is None:
        messages.info(request, _("Chọn một cơ quan để xem động lực hài lòng."))
        return redirect("reports:ranking")
    return drivers(request, agency.code)


@login_required
def drivers(request: HttpRequest, code: str) -> HttpResponse:
    filters = read_filters(request.GET)
    for error in filters.errors:
        messages.warning(request, error)
    scope = _choice(request, "scope", DriverRun.Scope.choices, DriverRun.Scope.SUBTREE)
    level = _choice(request, "level", DriverRun.Level.choices, DriverRun.Level.ELEMENT)
    data = queries.driver_matrix(
        request.user, code, filters.period, scope=scope, level=level
    )
    chart = {
        "points": [
            {
                "x": round(p.share, 2),
                "y": p.index,
                "label": p.indicator,
                "quadrant": p.quadrant,
            }
            for p in data["points"]
            if p.index is not None
        ],
        "meanShare": data["mean_share"],
        "meanIndex": data["mean_index"],
        "xLabel": _("Tầm quan trọng (% R²)"),
        "yLabel": _("Chỉ số hài lòng (%)"),
        "quadrants": {k: str(v) for k, v in queries.QUADRANTS.items()},
    }
    context = {
        **data,
        "filters": Filters(period=filters.period, agency=code),
        "period_choices": period_choices(),
        "scope_choices": DriverRun.Scope.choices,
        "level_choices": DriverRun.Level.choices,
        "chart": chart,
    }
    return render(request, "improvement/drivers.html", context)
