"""`manage.py import_odk_submissions FILE.csv|FILE.xlsx --questionnaire CODE
[--form-version N]`: the submissions export of ODK Central or KoboToolbox for the
version's XLSForm, imported all or nothing, idempotent by instance id."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.management.commands.export_xlsform import find_version
from api.odk import OdkImportError, import_submissions


class Command(BaseCommand):
    help = "Import an ODK Central / KoboToolbox submissions export (CSV or xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--questionnaire", required=True, metavar="CODE")
        parser.add_argument("--form-version", type=int, metavar="N", dest="number")

    def handle(self, *args, file: Path, questionnaire: str, number, **options):
        found = find_version(questionnaire, number)
        try:
            report = import_submissions(file, version=found)
        except OdkImportError as error:
            raise CommandError(str(error))
        self.stdout.write(
            self.style.SUCCESS(
                f"{file}: {report.stored} stored, {report.skipped} already there"
            )
        )
