"""manage.py make_posters --province PP OUT.pdf"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.models import AdministrativeUnit
from invitations import posters


class Command(BaseCommand):
    help = (
        "Write a printable PDF with one A4 QR poster per active agency and service "
        "point of a province (each agency followed by its service points)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="PDF file to write")
        parser.add_argument(
            "--province", required=True, help="province code, 2 digits (e.g. 33)"
        )

    def handle(self, *args, out: str, province: str, **options) -> None:
        if not AdministrativeUnit.objects.filter(
            code=province, level=AdministrativeUnit.Level.PROVINCE
        ).exists():
            raise CommandError(f"--province {province}: no such province code")
        targets = posters.province_targets(province)
        if not targets:
            raise CommandError(f"--province {province}: no active agency to print")
        path = Path(out)
        tmp = path.with_name(path.name + ".part")
        try:
            # Written beside the target and renamed: no half-written PDF is left.
            with tmp.open("wb") as handle:
                pages = posters.write_posters(
                    targets, handle, title=f"SIPAS – {province}"
                )
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CommandError(f"{out}: cannot write ({exc.strerror})")
        self.stdout.write(f"{pages} posters written to {out}")
