"""`manage.py export_xlsform --questionnaire CODE [--form-version N] FILE.xlsx`: the
XLSForm of a questionnaire version, for ODK Collect or KoboToolbox."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.xlsform import form_id, xlsform_workbook
from surveys.models import QuestionnaireVersion


def find_version(code: str, number: int | None) -> QuestionnaireVersion:
    versions = QuestionnaireVersion.objects.filter(
        questionnaire__code=code, published_at__isnull=False
    ).select_related("questionnaire")
    version = (
        versions.filter(number=number).first()
        if number
        else versions.order_by("-number").first()
    )
    if version is None:
        raise CommandError(
            f"--questionnaire/--form-version: no published version "
            f"{number or ''} of {code!r}"
        )
    return version


class Command(BaseCommand):
    help = "Write the XLSForm (ODK/Kobo) of a published questionnaire version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--questionnaire", required=True, metavar="CODE")
        parser.add_argument("--form-version", type=int, metavar="N", dest="number")

    def handle(self, *args, file: Path, questionnaire: str, number, **options):
        if file.suffix.lower() != ".xlsx":
            raise CommandError(f"{file}: an XLSForm is an .xlsx file")
        found = find_version(questionnaire, number)
        file.write_bytes(xlsform_workbook(found))
        self.stdout.write(self.style.SUCCESS(f"{file}: {form_id(found)}"))
