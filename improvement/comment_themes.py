"""What citizens' comments talk about: themes found by a documented keyword
list, their counts, and example quotes stripped of personal data. Pure: text in,
themes out (the provincial report reads the comments and calls `summarise`).

The method (docs/method.md, "Comment themes"): each theme belongs to an element
of the exit questionnaire and has a list of Vietnamese key phrases (written
without diacritics; a few carry a regular-expression guard, "cham" but not
"chăm sóc"). A comment is
lowercased and its diacritics removed (citizens often type without them: "can
bo" = "cán bộ"), and it belongs to every theme one of whose phrases it contains
as whole words; a comment matching none is "Khác". A theme's count is the
number of comments in it (a comment may be in several), "negative" those whose
overall rating G is 1–2. Example quotes prefer negative comments, then the
newest, and pass through `redact` first: phone numbers, e-mail addresses, any
run of six or more digits (identity cards, dossier codes) and personal names
(a title such as "anh", "chị", "cán bộ" followed by capitalised words, or a
common Vietnamese family name followed by one) are replaced by "[…]".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

OTHER = "khac"
QUOTES_PER_THEME = 2
QUOTE_CHARS = 180
HIDDEN = "[…]"


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    element: str  # the exit-dv element the theme speaks of ("" for "Khác")
    phrases: str  # key phrases joined by " | " (a regular-expression alternation)


# Key phrases, separated by " | ", without diacritics.
THEMES: tuple[Theme, ...] = (
    Theme(
        "tru_so",
        _("Trụ sở, trang thiết bị, thông tin"),
        "E1",
        "tru so | co so vat chat | trang thiet bi | ghe ngoi | cho ngoi | cho de xe"
        " | bai do xe | gui xe | nha ve sinh | chat hep | nong buc | dieu hoa"
        " | may lay so | bien chi dan | bien hieu | khong tim thay | kho tim"
        " | sach se | ban lam viec | may tinh | may in",
    ),
    Theme(
        "truc_tuyen",
        _("Dịch vụ công trực tuyến, hệ thống"),
        "E1",
        "truc tuyen | dich vu cong | cong dich vu | website | trang web | phan mem"
        " | he thong | ung dung | vneid | mang cham | mat mang | loi mang | bi loi"
        " | bao loi | dang nhap | online | qr",
    ),
    Theme(
        "thu_tuc",
        _("Thủ tục, hồ sơ, phí"),
        "E2",
        "thu tuc | ho so | giay to | ruom ra | phuc tap | nhieu buoc | bo sung"
        " | bieu mau | to khai | phi | le phi | niem yet | cong khai | ban sao"
        " | chung thuc | quy dinh",
    ),
    Theme(
        "cong_chuc",
        _("Thái độ, hướng dẫn của công chức"),
        "E3",
        "can bo | cong chuc | nhan vien | thai do | nhiet tinh | tan tinh | tan tam"
        " | niem no | lich su | than thien | chu dao | huong dan | giai thich"
        " | hach dich | cau gat | tho lo | quat nat | thieu ton trong"
        " | chuyen nghiep | vang mat | di muon | ve som",
    ),
    Theme(
        "tieu_cuc",
        _("Nhũng nhiễu, gây phiền hà, tiêu cực"),
        "E3",
        "nhung nhieu | phien ha | gay kho | kho de | voi vinh | boi duong | phong bi"
        " | tien ngoai | chi phi ngoai | tieu cuc | quen biet | chen ngang"
        " | uu tien nguoi quen",
    ),
    Theme(
        "thoi_gian",
        _("Thời gian giải quyết, trễ hẹn"),
        "E4",
        "thoi gian | tre hen | qua han | cham(?! soc| chi| chut| lo) | lau | cho doi"
        " | cho lau | xep hang | dung hen | som hon hen | nhanh | hen lai"
        " | di lai nhieu | nhieu lan",
    ),
    Theme(
        "ket_qua",
        _("Kết quả: sai sót, công bằng"),
        "E4",
        "ket qua | sai sot | sai ten | sai thong tin | nham lan | ghi nham | bi nham"
        " | cong bang | chinh xac",
    ),
    Theme(
        "phan_anh",
        _("Tiếp nhận, xử lý phản ánh, kiến nghị"),
        "E5",
        "phan anh | kien nghi | gop y | khieu nai | to cao | duong day nong | hotline"
        " | hom thu | khong tra loi | phan hoi",
    ),
)
OTHER_THEME = Theme(OTHER, _("Khác"), "", "")
BY_CODE = {t.code: t for t in (*THEMES, OTHER_THEME)}


def normalise(text: str) -> str:
    """Lowercase, without diacritics, words separated by single spaces.

    >>> normalise("Cán bộ ĐƯỜNG dây nóng!")
    'can bo duong day nong'
    """
    text = text.lower().replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(re.findall(r"[a-z0-9]+", text))


_PATTERNS = {
    theme.code: re.compile(r"\b(?:" + theme.phrases.replace(" | ", "|") + r")\b")
    for theme in THEMES
}


def themes_of(comment: str) -> list[str]:
    """The codes of the themes a comment speaks of, in THEMES order.

    >>> themes_of("Cán bộ hướng dẫn tận tình nhưng trả kết quả trễ hẹn")
    ['cong_chuc', 'thoi_gian', 'ket_qua']
    >>> themes_of("can bo gay kho de")
    ['cong_chuc', 'tieu_cuc']
    >>> themes_of("Rất tốt")
    ['khac']
    """
    text = normalise(comment)
    found = [code for code, pattern in _PATTERNS.items() if pattern.search(text)]
    return found or [OTHER]


_TITLE = r"(?:[Aa]nh|[Cc]hị|[Ôô]ng|[Bb]à|[Cc]ô|[Cc]hú|[Bb]ác|[Ee]m|[Cc]án bộ|[Cc]ông chức|[Nn]hân viên|[Đđ]/c|[Đđ]ồng chí)"  # noqa: E501
# Vietnamese capitals (re has no \p{Lu}): every upper-case letter up to Ỹ.
_UPPER = "".join(
    c for c in map(chr, range(0x41, 0x1EFA)) if c.isalpha() and c.isupper()
)
_CAPITAL = rf"[{_UPPER}]\w*"
_SURNAMES = (
    "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Đinh|"
    "Trịnh|Đoàn|Lâm|Mai|Trương|Lương|Tạ|Cao|Hà|Quách|Tô|Thái|Kiều|Chu|Vương|Lưu"
)
_REDACTIONS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"(?:\+?84|0)(?:[\s.-]?\d){8,10}\b"),  # phone
    re.compile(r"\S*\d(?:[\s.\-/]?\d){5,}\S*"),  # ids, dossier codes
    re.compile(rf"\b(?:{_SURNAMES})(?:\s+{_CAPITAL})+"),  # a full name
)
_TITLED_NAME = re.compile(rf"\b({_TITLE})\s+{_CAPITAL}(?:\s+{_CAPITAL})*")


def redact(comment: str) -> str:
    """The comment without what could identify a person.

    >>> redact("Chị Lan ở quầy 3 rất tận tình, gọi 0912 345 678")
    'Chị […] ở quầy 3 rất tận tình, gọi […]'
    >>> redact("Hồ sơ 000.00.33.H48-261128-0001 của Nguyễn Văn An, an@mail.vn")
    'Hồ sơ […] của […], […]'
    """
    text = _TITLED_NAME.sub(lambda m: f"{m.group(1)} {HIDDEN}", comment)
    for pattern in _REDACTIONS:
        text = pattern.sub(HIDDEN, text)
    return text


def quote(comment: str) -> str:
    """A redacted comment on one line, shortened to QUOTE_CHARS."""
    text = " ".join(redact(comment).split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


@dataclass
class ThemeSummary:
    theme: Theme
    comments: int = 0
    negative: int = 0
    share: float = 0.0  # percent of all comments
    quotes: list[str] = field(default_factory=list)


def summarise(comments: Iterable[tuple[str, int | None]]) -> list[ThemeSummary]:
    """Themes of (comment, overall rating G or None) pairs given newest first:
    the themes with at least one comment, largest first ("Khác" last), each
    with its count, its negative count (G ≤ 2), its share of all comments and
    up to QUOTES_PER_THEME redacted quotes (negative ones first)."""
    summaries = {code: ThemeSummary(theme) for code, theme in BY_CODE.items()}
    candidates: dict[str, tuple[list[str], list[str]]] = {
        code: ([], []) for code in BY_CODE
    }
    total = 0
    for text, rating in comments:
        if not text or not text.strip():
            continue
        total += 1
        negative = rating is not None and rating <= 2
        for code in themes_of(text):
            summary = summaries[code]
            summary.comments += 1
            summary.negative += negative
            pool = candidates[code][0 if negative else 1]
            if len(pool) < QUOTES_PER_THEME:
                pool.append(quote(text))
    found = [s for s in summaries.values() if s.comments]
    for summary in found:
        bad, good = candidates[summary.theme.code]
        summary.quotes = (bad + good)[:QUOTES_PER_THEME]
        summary.share = 100 * summary.comments / total
    return sorted(found, key=lambda s: (s.theme.code == OTHER, -s.comments))
