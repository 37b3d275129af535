"""Display helpers for the dashboards (no logic beyond presentation)."""

from django import template

from reports.indices import SMALL_SAMPLE_N

register = template.Library()


@register.filter
def heat_class(value) -> str:
    """A CSS class for a heatmap cell: heat-0 (below 50 %) … heat-5 (95 % and
    above), heat-none without a value, heat-small under 30 answers. Classes, not
    inline styles: the Content-Security-Policy forbids style attributes."""
    number = getattr(value, "value", None)
    if number is None:
        return "heat-none"
    bands = (50, 65, 75, 85, 95)
    level = sum(number >= edge for edge in bands)
    small = " heat-small" if getattr(value, "small", False) else ""
    return f"heat-{level}{small}"


@register.simple_tag(takes_context=True)
def agency_choice_url(context, filters, code: str) -> str:
    """This page for another agency, the other filters kept: the agency page's
    path names its agency, the other pages take it from the querystring."""
    from django.urls import reverse

    request = context["request"]
    match = request.resolver_match
    if match is not None and match.url_name in ("agency", "agency_search"):
        path = reverse("dashboard:agency", args=[code])
        return f"{path}?{filters.querystring(agency='')}"
    return f"{request.path}?{filters.querystring(agency=code)}"


@register.filter
def sample_mark(n) -> str:
    """The one small-sample rule of every page (docs/method.md): "empty" when
    nothing was answered (n = 0, shown "chưa có dữ liệu"), "small" when there are
    answers but fewer than SMALL_SAMPLE_N (30, shown "mẫu nhỏ"), else "".

    >>> [sample_mark(n) for n in (0, 1, 12, 29, 30, None)]
    ['empty', 'small', 'small', 'small', '', 'empty']
    """
    if not n:
        return "empty"
    return "small" if n < SMALL_SAMPLE_N else ""
