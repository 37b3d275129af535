"""`manage.py export_drivers --period P --agency CODE [--scope own|subtree] FILE`.

FILE ends in .json or .csv.

Writes the stored key drivers of one agency (elements and items): indicator,
importance (% of R²), its 95 % interval, the indicator's index and n.
"""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Agency
from improvement.models import DriverRun
from improvement.queries import driver_rows
from sipas.formats.sipas_csv import neutralise
from sipas.periods import parse_period

COLUMNS = [
    "level",
    "indicator",
    "importance",
    "ci95_low",
    "ci95_high",
    "claimed",
    "key_driver",
    "index",
    "n",
]


class Command(BaseCommand):
    help = "Export the key drivers of one agency and period as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--period", required=True, metavar="P")
        parser.add_argument("--agency", required=True, metavar="CODE")
        parser.add_argument(
            "--scope", default="subtree", choices=DriverRun.Scope.values
        )

    def handle(self, *args, file: Path, period: str, agency: str, scope: str, **opts):
        try:
            parse_period(period)
        except ValueError as error:
            raise CommandError(f"--period: {error}")
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise CommandError(f"--agency: unknown agency code {agency!r}")
        suffix = file.suffix.lower()
        if suffix not in (".json", ".csv"):
            raise CommandError("FILE must end in .json or .csv")
        rows = driver_rows(found, period, scope)
        if suffix == ".json":
            document = {
                "period": period,
                "agency": found.code,
                "scope": scope,
                "drivers": rows,
            }
            file.write_text(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            with file.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(COLUMNS)
                for row in rows:
                    writer.writerow([neutralise(row[c]) for c in COLUMNS])
        if not rows:
            self.stderr.write(
                "No drivers stored for this agency and period "
                "(too few responses, or compute_indices has not run)."
            )
        self.stdout.write(f"{len(rows)} driver rows written to {file}")
