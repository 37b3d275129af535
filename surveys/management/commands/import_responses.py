"""`manage.py import_responses FILE.csv|FILE.xlsx [--skip-invalid]` (sipas-csv)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.importing import ImportFileError, import_responses


class Command(BaseCommand):
    help = (
        "Import responses in the sipas-csv format (CSV or xlsx). All or nothing per "
        "file unless --skip-invalid; idempotent by response_id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", default="sipas-csv", choices=["sipas-csv"])
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="store the valid rows and report each rejected one",
        )

    def handle(self, *args, file: Path, skip_invalid: bool, **options) -> None:
        try:
            report = import_responses(file, skip_invalid=skip_invalid)
        except ImportFileError as error:
            raise CommandError(f"{error} (nothing imported)")
        for message in report.rejected:
            self.stderr.write(f"rejected: {message}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{file}: {report.stored} stored, {report.skipped} already present, "
                f"{len(report.rejected)} rejected"
            )
        )
