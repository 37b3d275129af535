"""`manage.py export_responses --questionnaire CODE [--period P] FILE.csv|FILE.xlsx`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sipas.formats.sipas_csv import write_table
from sipas.periods import parse_period
from surveys.exporting import export_rows, responses_of
from surveys.models import Questionnaire


class Command(BaseCommand):
    help = "Export responses of one questionnaire in the sipas-csv format (streamed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--questionnaire", required=True, metavar="CODE")
        parser.add_argument("--period", metavar="P", help="2026, 2026-Q3 or 2026-07")

    def handle(self, *args, file: Path, questionnaire: str, period, **options) -> None:
        found = Questionnaire.objects.filter(code=questionnaire).first()
        if found is None:
            raise CommandError(
                f"--questionnaire: unknown questionnaire {questionnaire!r}"
            )
        if period:
            try:
                parse_period(period)
            except ValueError as error:
                raise CommandError(f"--period: {error}")
        if file.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError(f"{file}: unsupported file type (use .csv or .xlsx)")
        try:
            rows = export_rows(found, responses_of(found, period))
            count = write_table(file, rows)
        except (ValueError, OSError) as error:
            raise CommandError(str(error))
        self.stdout.write(self.style.SUCCESS(f"{file}: {count} responses"))
