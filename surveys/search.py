"""What a citizen typed into the start page's search box, read the way they mean it.

People type the words they use, not the agencies' official names: "một cửa" or
"bộ phận một cửa" for the Trung tâm Phục vụ hành chính công (the one-stop centre,
"TTHCC"), "ubnd" for Ủy ban nhân dân, and a province's name ("hưng yên") to say
where. So the folded text (no diacritics, lower case) is read into:

- `phrases`: what every hit's folded name must contain, with the synonyms below
  replaced by the words of the official names;
- `provinces`: the province names found in the text, as sets of province codes
  (a province merged in 2025 also names its successor); a hit in one of them
  needs no name match for those words;
- `exact`: the text without the words that only say what kind of place it is,
  compared with the commune's or province's name to rank exact names first.

Pure: the caller passes the province names (`{folded name: {codes}}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agencies.text import fold

SERVICE_CENTRE = "trung tam phuc vu hanh chinh cong"
# Folded phrase typed → folded phrase of the official names. Longest first, so
# "bo phan mot cua" is taken before "mot cua".
SYNONYMS: dict[str, str] = {
    "bo phan tiep nhan va tra ket qua": SERVICE_CENTRE,
    "bo phan tiep nhan tra ket qua": SERVICE_CENTRE,
    "trung tam hanh chinh cong": SERVICE_CENTRE,
    "trung tam phuc vu hcc": SERVICE_CENTRE,
    "bo phan mot cua": SERVICE_CENTRE,
    "trung tam hcc": SERVICE_CENTRE,
    "mot cua": SERVICE_CENTRE,
    "tthcc": SERVICE_CENTRE,
    "ubnd": "uy ban nhan dan",
    "tphcm": "ho chi minh",
    "hcm": "ho chi minh",
}
# Words that say what kind of unit a name is ("phường An Bình" is "An Bình").
UNIT_TYPES = ("thanh pho", "tinh", "phuong", "xa", "dac khu", "thi tran")
MAX_PHRASES = 8


@dataclass
class Search:
    phrases: list[str] = field(default_factory=list)
    # (folded province name, its codes) for each province named in the text
    provinces: list[tuple[str, set[str]]] = field(default_factory=list)
    exact: str = ""

    @property
    def empty(self) -> bool:
        return not self.phrases and not self.provinces

    def unit_names(self) -> list[str]:
        """Folded unit names that count as an exact match ("an binh" →
        "phuong an binh", "xa an binh", …)."""
        if not self.exact:
            return []
        return [self.exact] + [f"{kind} {self.exact}" for kind in UNIT_TYPES]


def bare_unit_name(name: str) -> str:
    """A unit's folded name without its kind.

    >>> bare_unit_name("Thành phố Hà Nội")
    'ha noi'
    >>> bare_unit_name("Tỉnh Hưng Yên")
    'hung yen'
    """
    folded = fold(name)
    for kind in UNIT_TYPES:
        if folded.startswith(kind + " "):
            return folded[len(kind) + 1 :]
    return folded


def read(text: str, provinces: dict[str, set[str]] | None = None) -> Search:
    """The search a citizen's text asks for.

    >>> s = read("Một cửa Hưng Yên", {"hung yen": {"33"}, "ha noi": {"01"}})
    >>> s.phrases, s.provinces, s.exact
    (['trung tam phuc vu hanh chinh cong'], [('hung yen', {'33'})], 'hung yen')
    >>> read("ubnd phuong an binh").phrases
    ['uy ban nhan dan', 'phuong', 'an', 'binh']
    >>> read("ubnd phuong an binh").exact
    'an binh'
    """
    folded = f" {fold(text)} "
    phrases: list[str] = []
    for typed, official in SYNONYMS.items():
        if f" {typed} " in folded:
            folded = folded.replace(f" {typed} ", " ", 1)
            phrases.append(official)
    found: list[tuple[str, set[str]]] = []
    exact_words = folded.split()
    for name in sorted(provinces or {}, key=len, reverse=True):
        if f" {name} " in folded:
            folded = folded.replace(f" {name} ", " ", 1)
            found.append((name, set(provinces[name])))
    words = folded.split()
    phrases = (phrases + words)[:MAX_PHRASES]
    # The exact name: what is left once kinds (ubnd, một cửa) and unit types are
    # dropped; with only a province named, the province's name.
    rest = [w for w in words if w not in {"phuong", "xa", "tinh"}]
    if not rest and found:
        rest = [w for w in exact_words if w not in {"tinh", "thanh", "pho"}]
    return Search(phrases=phrases, provinces=found, exact=" ".join(rest))
