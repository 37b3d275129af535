"""Invitation files: the uploaded CSV of dossiers to invite, and the CSV of links.

`parse_invitation_csv(data)` turns an upload (admin form, `create_invitations`
command) into `services.InvitationRequest`s or raises `InvitationFileError`
listing every bad row and column; `links_csv(issued)` is the one place the raw
tokens are written out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Procedure, ServicePoint
from invitations.services import (
    MAX_ERRORS,
    InvitationRequest,
    IssuedInvitation,
    check_dossier_code,
    invitation_url,
)

MAX_ROWS = 50_000
REQUIRED_COLUMNS = ("dossier_code", "agency")
OPTIONAL_COLUMNS = ("procedure", "service_point")


class InvitationFileError(Exception):
    """An uploaded file was refused; `errors` name the row and column of each fault."""

    def __init__(self, filename: str, errors: list[str]) -> None:
        self.filename = filename
        self.errors = errors
        super().__init__(f"{filename}: " + "; ".join(errors))


class _Problems(list):
    """The error list of one file, cut short after MAX_ERRORS: a file of 800,000
    bad rows gets a page of fifty lines, not of 50 MB (issue 15)."""

    def __init__(self, filename: str, errors: Iterable[str] = ()) -> None:
        super().__init__(errors)
        self.filename = filename

    def add(self, message: str) -> None:
        self.append(message)
        if len(self) >= MAX_ERRORS:
            self.append(
                _("Đã dừng sau %(max)s lỗi; sửa các lỗi trên rồi gửi lại tệp.")
                % {"max": MAX_ERRORS}
            )
            raise InvitationFileError(self.filename, list(self))


def parse_invitation_csv(
    data: bytes | BinaryIO,
    *,
    filename: str = "",
    allowed_agencies: QuerySet[Agency] | None = None,
) -> list[InvitationRequest]:
    """Read an upload (UTF-8, "," or ";" between cells, header row) into requests.

    Columns: dossier_code, agency (agency code) — required; procedure (mã TTHC),
    service_point (its code) — optional; or their Vietnamese names (Mã hồ sơ, Mã
    cơ quan, Mã thủ tục, Mã điểm phục vụ: `template_csv`). `allowed_agencies`
    restricts the agencies a staff member may invite for; others are reported as
    unknown. Raises InvitationFileError naming the faulty lines and columns (at
    most MAX_ERRORS, then it stops reading); returns nothing then. `data` may be
    an open binary file (an upload): it is read as a stream, never whole into
    memory.
    """
    filename = filename or "CSV"
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        return _parse_rows(text, filename, allowed_agencies)
    except UnicodeDecodeError as exc:
        raise InvitationFileError(
            filename,
            [_("Tệp không phải UTF-8 (byte %(pos)s).") % {"pos": exc.start}],
        )
    finally:
        text.detach()  # leave the caller's file open


# Vietnamese column names (as in the template, any case, with or without
# diacritics or underscores) for the English ones of the format.
HEADER_ALIASES = {
    "mã hồ sơ": "dossier_code",
    "ma ho so": "dossier_code",
    "số hồ sơ": "dossier_code",
    "mã cơ quan": "agency",
    "ma co quan": "agency",
    "cơ quan": "agency",
    "mã thủ tục": "procedure",
    "ma thu tuc": "procedure",
    "mã tthc": "procedure",
    "thủ tục": "procedure",
    "mã điểm phục vụ": "service_point",
    "ma diem phuc vu": "service_point",
    "điểm phục vụ": "service_point",
}
TEMPLATE_HEADER = ("Mã hồ sơ", "Mã cơ quan", "Mã thủ tục", "Mã điểm phục vụ")


def canonical_column(name: str) -> str:
    """The format's name of a column: "Mã hồ sơ", "ma_ho_so" → "dossier_code";
    English names and unknown ones unchanged (apart from surrounding spaces).

    >>> canonical_column(" Mã hồ sơ "), canonical_column("MA_CO_QUAN")
    ('dossier_code', 'agency')
    >>> canonical_column("procedure"), canonical_column("ghi chú")
    ('procedure', 'ghi chú')
    """
    name = name.strip()
    key = " ".join(name.lower().replace("_", " ").split())
    return HEADER_ALIASES.get(key, name)


def template_csv() -> str:
    """The file to fill in (Vietnamese headers, ";" as a Vietnamese Excel saves
    it, a byte-order mark so Excel reads UTF-8)."""
    return "\ufeff" + ";".join(TEMPLATE_HEADER) + "\r\n"


def _parse_rows(
    text: io.TextIOWrapper,
    filename: str,
    allowed_agencies: QuerySet[Agency] | None,
) -> list[InvitationRequest]:
    # A Vietnamese Excel saves CSV with ";" between cells: the header line decides.
    first = text.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(_lines(first, text), delimiter=delimiter)
    header = [canonical_column(name) for name in reader.fieldnames or []]
    header_errors = _header_errors(header)
    if header_errors:
        raise InvitationFileError(filename, header_errors)
    reader.fieldnames = header

    errors = _Problems(filename)
    raw_rows: list[tuple[int, dict[str, str]]] = []
    rows_read = 0
    try:
        for row in reader:
            rows_read += 1
            if rows_read > MAX_ROWS:
                raise InvitationFileError(
                    filename,
                    [_("Tệp có quá %(max)s dòng.") % {"max": MAX_ROWS}],
                )
            if None in row:
                errors.add(
                    _("Dòng %(line)s: thừa cột so với dòng tiêu đề.")
                    % {"line": reader.line_num}
                )
                continue
            values = {key: (value or "").strip() for key, value in row.items()}
            if not any(values.values()):
                continue  # blank line
            raw_rows.append((reader.line_num, values))
    except csv.Error as exc:
        errors.add(
            _("Dòng %(line)s: %(error)s") % {"line": reader.line_num, "error": exc}
        )
    if not raw_rows and not errors:
        errors.add(_("Tệp không có dòng dữ liệu nào."))
    if errors:
        raise InvitationFileError(filename, list(errors))

    agencies = _lookup(
        allowed_agencies if allowed_agencies is not None else Agency.objects.all(),
        {values["agency"] for _line, values in raw_rows},
    )
    procedures = _lookup(
        Procedure.objects.all(),
        {values.get("procedure", "") for _l, values in raw_rows},
    )
    points = _lookup(
        ServicePoint.objects.all(),
        {values.get("service_point", "") for _l, values in raw_rows},
    )
    requests: list[InvitationRequest] = []
    for line, values in raw_rows:
        row_errors: list[str] = []
        agency = agencies.get(values["agency"])
        if not values["agency"]:
            row_errors.append(_("cột agency: thiếu mã cơ quan."))
        elif agency is None:
            row_errors.append(
                _("cột agency: không có cơ quan mã “%(code)s”.")
                % {"code": values["agency"][:40]}
            )
        procedure = procedures.get(values.get("procedure", ""))
        if values.get("procedure") and procedure is None:
            row_errors.append(
                _("cột procedure: không có thủ tục mã “%(code)s”.")
                % {"code": values["procedure"][:40]}
            )
        point = points.get(values.get("service_point", ""))
        if values.get("service_point") and point is None:
            row_errors.append(
                _("cột service_point: không có điểm phục vụ mã “%(code)s”.")
                % {"code": values["service_point"][:40]}
            )
        try:
            check_dossier_code(values["dossier_code"])
        except ValidationError as exc:
            row_errors.append(_("cột dossier_code: ") + exc.messages[0])
        for message in row_errors:
            errors.add(_("Dòng %(line)s, ") % {"line": line} + message)
        if not row_errors:
            requests.append(
                InvitationRequest(
                    values["dossier_code"], agency, procedure, point, line
                )
            )
    if errors:
        raise InvitationFileError(filename, list(errors))
    return requests


def _lines(first: str, rest: io.TextIOWrapper):
    if first:
        yield first
    yield from rest


def _header_errors(header: list[str]) -> list[str]:
    if not header:
        return [_("Tệp trống: thiếu dòng tiêu đề.")]
    errors = []
    labels = dict(
        zip(REQUIRED_COLUMNS + OPTIONAL_COLUMNS, TEMPLATE_HEADER, strict=True)
    )
    for name in REQUIRED_COLUMNS:
        if name not in header:
            errors.append(
                _("Dòng 1: thiếu cột %(column)s.")
                % {"column": f"{name} ({labels[name]})"}
            )
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    for name in header:
        if name not in known:
            errors.append(
                _("Dòng 1: cột “%(column)s” không được hỗ trợ (dùng: %(known)s).")
                % {
                    "column": name[:40],
                    "known": ", ".join(
                        f"{column} ({label})" for column, label in labels.items()
                    ),
                }
            )
    if len(set(header)) != len(header):
        errors.append(_("Dòng 1: có cột bị lặp."))
    return errors


def _lookup(queryset: QuerySet, codes: set[str]) -> dict[str, object]:
    codes = sorted(code for code in codes if code)
    found: dict[str, object] = {}
    for start in range(0, len(codes), 1000):
        for obj in queryset.filter(code__in=codes[start : start + 1000]):
            found[obj.code] = obj
    return found


LINK_COLUMNS = (
    "dossier_code",
    "agency",
    "procedure",
    "service_point",
    "link",
    "expires_at",
)


def links_csv(issued: Iterable[IssuedInvitation]) -> str:
    """The links to send, one row per dossier; the only place the tokens appear."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINK_COLUMNS)
    template = invitation_url("TOKEN")  # reverse() once, not once per row
    for item in issued:
        invitation = item.invitation
        writer.writerow(
            [
                item.dossier_code,
                invitation.agency.code,
                invitation.procedure.code if invitation.procedure else "",
                invitation.service_point.code if invitation.service_point else "",
                template.replace("TOKEN", item.token),
                timezone.localtime(invitation.expires_at).isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue()
