"""Names of administrative units and their agencies: Vietnamese forms inside longer
names, English names, and folded (diacritic-free) search names, computed once per
part (the reference plan, agencies/reference/plan.py)."""

from __future__ import annotations

import functools

from agencies.text import fold

DIVISION_EN = {
    "tỉnh": "Province",
    "thành phố trung ương": "City",
    "xã": "Commune",
    "phường": "Ward",
    "đặc khu": "Special Zone",
    "thị trấn": "Township",
    "huyện": "District",
    "quận": "Urban District",
    "thành phố": "City",
    "thị xã": "Town",
}
DIVISION_PREFIXES = sorted(
    [
        "Thành phố",
        "Tỉnh",
        "Xã",
        "Phường",
        "Đặc khu",
        "Thị trấn",
        "Huyện",
        "Quận",
        "Thị xã",
    ],
    key=len,
    reverse=True,
)


def bare(name: str) -> str:
    """'Tỉnh Hưng Yên' → 'Hưng Yên'."""
    for prefix in DIVISION_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


def lower_first(name: str) -> str:
    """'Tỉnh Hưng Yên' → 'tỉnh Hưng Yên', as it reads inside a longer name."""
    return name[:1].lower() + name[1:]


def english(name: str, division_type: str) -> str:
    """'Phường Ba Đình' → 'Ba Đình Ward'."""
    kind = DIVISION_EN.get(division_type)
    return f"{bare(name)} {kind}" if kind else bare(name)


# Agency and point names are a fixed prefix + the unit's name; folding the parts
# once (fold distributes over the space) saves most unidecode calls.
NAME_PREFIXES = (
    "Ủy ban nhân dân ",
    "Trung tâm Phục vụ hành chính công ",
    "Cổng Dịch vụ công ",
)
_fold_part = functools.lru_cache(maxsize=None)(fold)


def folded(name: str) -> str:
    for prefix in NAME_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            return f"{_fold_part(prefix)} {_fold_part(name[:1].lower() + name[1:])}"
    # Lower-case first letter: "Phường Ba Đình" shares the cache entry of the
    # "phường Ba Đình" inside agency names (fold lower-cases anyway).
    return _fold_part(name[:1].lower() + name[1:])
