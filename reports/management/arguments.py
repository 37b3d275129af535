"""Checks of the arguments the index commands share (export_indices,
compare_indices): each raises CommandError naming the option at fault."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from agencies.models import Agency

FILE_TYPES = (".json", ".csv", ".xlsx")


def agency_option(code: str | None) -> Agency | None:
    """The agency of --agency CODE, or None without one."""
    if not code:
        return None
    found = Agency.objects.filter(code=code).first()
    if found is None:
        raise CommandError(f"--agency: unknown agency code {code!r}")
    return found


def file_type(file: Path) -> str:
    """The output's type from its suffix: .json, .csv or .xlsx."""
    suffix = file.suffix.lower()
    if suffix not in FILE_TYPES:
        raise CommandError(f"{file}: unsupported file type (use .json, .csv or .xlsx)")
    return suffix
