"""The agency picker: find agencies by code or by name typed without diacritics,
only among those the user may see (staff.scope).

An agency outside the scope is never found, exactly like one that does not
exist, so neither the suggestions nor the "not found" note leak its existence.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from agencies.models import Agency, Procedure
from agencies.text import fold
from dashboard.filters import Filters
from staff.scope import visible_agencies

MAX_WORDS = 8
SUGGESTIONS = 8


def search_agencies(
    user: AbstractBaseUser, text: str, limit: int = 20
) -> QuerySet[Agency]:
    """Visible agencies whose folded name holds every typed word (or whose code
    starts with the text), current ones first, then by name. Nothing for an
    empty text. One query when evaluated.

    "ubnd hung yen", "UBND Hưng Yên" and "UBND-T33" all find UBND-T33.
    """
    words = fold(text).split()[:MAX_WORDS]
    if not words:
        return Agency.objects.none()
    by_name = Q()
    for word in words:
        by_name &= Q(name_folded__contains=word)
    return (
        visible_agencies(user)
        .filter(by_name | Q(code__istartswith=text.strip()))
        .order_by(F("valid_until").asc(nulls_first=True), "name", "code")
        .only("id", "code", "name", "kind", "path", "province_code", "valid_until")[
            :limit
        ]
    )


def find_agency(user: AbstractBaseUser, text: str) -> tuple[Agency | None, list]:
    """The agency the text names: a visible agency with that code (any case), or
    the only visible agency whose name matches. Otherwise (None, up to eight
    suggestions). One query for a code, two for a name."""
    text = text.strip()[:100]
    exact = visible_agencies(user).filter(code__iexact=text).first()
    if exact is not None:
        return exact, []
    matches = list(search_agencies(user, text, SUGGESTIONS + 1))
    if len(matches) == 1:
        return matches[0], []
    return None, matches[:SUGGESTIONS]


# --- Procedure fields (lĩnh vực): a select instead of free text ----------------------

FIELDS_CACHE_KEY = "dashboard:procedure-fields"
FIELDS_CACHE_SECONDS = 600  # reference data: loaded by commands, rarely changed


def procedure_fields() -> list[str]:
    """The procedure fields the reference data knows, sorted (one query, then
    cached for ten minutes)."""
    from django.core.cache import cache

    fields = cache.get(FIELDS_CACHE_KEY)
    if fields is None:
        fields = sorted(
            set(
                Procedure.objects.exclude(field="")
                .values_list("field", flat=True)
                .distinct()
            ),
            key=lambda name: (fold(name), name),
        )
        cache.set(FIELDS_CACHE_KEY, fields, FIELDS_CACHE_SECONDS)
    return fields


def match_field(filters: Filters) -> None:
    """Replace a field typed in the URL by the known field it names ("ho tich" →
    "Hộ tịch"), or drop it with a note: a field no procedure has would show an
    empty page with no reason given."""
    if not filters.field:
        return
    fields = procedure_fields()
    if filters.field in fields:
        return
    folded = fold(filters.field)
    same = [name for name in fields if fold(name) == folded]
    if same:
        filters.field = same[0]
        return
    filters.errors.append(
        _("Không có lĩnh vực “%(field)s”; bộ lọc lĩnh vực bị bỏ qua.")
        % {"field": filters.field}
    )
    filters.field = ""
