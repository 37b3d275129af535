"""The one number formatter: how figures read on pages, in charts and in the PDF.

Decision (issue 17): numbers follow the active language through Django's own
localisation (`django.utils.formats.number_format`, with the separators of
`sipas/formats/<lang>/formats.py`), so every place that shows a number shows it
the same way:

- Vietnamese: decimal comma, thousands grouped with "." — `79,60 %`, `n = 15.808`,
  intervals `47,97–60,61`;
- English: decimal point, thousands grouped with "," — `79.60 %`, `n = 15,808`,
  `47.97–60.61`.

`USE_THOUSAND_SEPARATOR` stays off on purpose: it would also group ids, years and
codes rendered as numbers (`2.026`, `/report/1.234/`). Figures meant for people go
through these functions or their template filters (`{% load numbers %}`,
exposed by agencies/templatetags/numbers.py:
`num`, `count`, `pct`, `interval`); machine files (sipas-csv, export_indices) keep
plain numbers. The charts (static/js/dashboard.js) use `Intl.NumberFormat` with
the page language, which gives the same separators.

Input: `parse_count` reads a count the ways people type it ("5.000", "5 000",
"5000"), whatever the interface language.
"""

from __future__ import annotations

import re

from django import template
from django.utils import formats

register = template.Library()

DASH = "–"  # en dash: no value, and between the ends of an interval


def format_number(value: float | int | None, decimals: int = 2) -> str:
    """A number in the active language, thousands grouped; "–" for None.

    >>> from django.utils import translation
    >>> with translation.override("vi"):
    ...     format_number(15808, 0), format_number(79.6), format_number(None)
    ('15.808', '79,60', '–')
    >>> with translation.override("en"):
    ...     format_number(15808, 0), format_number(1234.5, 1)
    ('15,808', '1,234.5')
    """
    if value is None:
        return DASH
    return formats.number_format(
        round(value, decimals), decimals, use_l10n=True, force_grouping=True
    )


def format_count(value: int | None) -> str:
    """A count: no decimals, thousands grouped (n = 15.808)."""
    return format_number(value, 0)


def format_percent(value: float | None, decimals: int = 2) -> str:
    """A percentage with its sign after a space, as both languages write it
    here ("79,60 %"); "–" without a value."""
    return DASH if value is None else f"{format_number(value, decimals)} %"


def format_interval(low: float | None, high: float | None, decimals: int = 2) -> str:
    """A 95 % interval "47,97–60,61"; "" when either end is missing.

    >>> from django.utils import translation
    >>> with translation.override("vi"):
    ...     format_interval(47.974, 60.606)
    '47,97–60,61'
    """
    if low is None or high is None:
        return ""
    return f"{format_number(low, decimals)}{DASH}{format_number(high, decimals)}"


_SPACES = re.compile(r"[\s\u00a0\u202f]")
_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*")


def parse_count(text: str | int | None) -> int | None:
    """A whole number as people type it: "5000", "5.000", "5 000", "5,000".

    Dots, commas and spaces are read as thousands separators only where they
    group digits by three; anything else ("5,5", "12.34", "abc", "-3") is None.
    Empty input is None too, and so is anything past 18 digits.

    >>> [parse_count(t) for t in ("5.000", "5 000", "5000", " 1.234.567 ", "5,000")]
    [5000, 5000, 5000, 1234567, 5000]
    >>> [parse_count(t) for t in ("5,5", "12.34", "1.2345", "abc", "-3", "", "²")]
    [None, None, None, None, None, None, None]
    """
    if text is None:
        return None
    if isinstance(text, int):
        return text if text >= 0 else None
    compact = _SPACES.sub("", str(text))
    if not compact.isascii():  # "²" is a digit to str.isdigit(), not to int()
        return None
    if _GROUPED.fullmatch(compact):
        compact = re.sub(r"[.,]", "", compact)
    # More than 18 digits is no count of anything here (and beyond any column).
    return int(compact) if compact.isdigit() and len(compact) <= 18 else None


# --- template filters ({% load numbers %}) ------------------------------------------


@register.filter
def num(value, decimals: int = 2) -> str:
    """{{ v.value|num }} → 79,60; {{ share|num:1 }} → 12,5."""
    return format_number(value, int(decimals))


@register.filter
def count(value) -> str:
    """{{ v.n|count }} → 15.808."""
    return format_count(value)


@register.filter
def pct(value, decimals: int = 2) -> str:
    """{{ v.value|pct }} → 79,60 %."""
    return format_percent(value, int(decimals))


@register.filter
def interval(value, decimals: int = 2) -> str:
    """{{ v|interval }} on anything with ci_low/ci_high → 47,97–60,61."""
    return format_interval(
        getattr(value, "ci_low", None), getattr(value, "ci_high", None), int(decimals)
    )


@register.filter
def cell(value) -> str:
    """A table cell as pages show it: counts grouped, other numbers with two
    decimals, "–" for an empty cell, text as it is.

    >>> from django.utils import translation
    >>> with translation.override("vi"):
    ...     [cell(v) for v in (15808, 79.6, None, "E1", True)]
    ['15.808', '79,60', '–', 'E1', 'True']
    """
    if value is None:
        return DASH
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, float):
        return format_number(value, 2)
    return value
