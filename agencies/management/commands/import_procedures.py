"""`manage.py import_procedures FILE.csv|FILE.xlsx`; see agencies/procedure_import."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.procedure_import import ProcedureFileError, import_procedure_file


class Command(BaseCommand):
    help = (
        "Create or update procedures (TTHC) from a CSV or XLSX file with the columns "
        "of agencies/data/procedures.csv (code and name required). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            result = import_procedure_file(file)
        except ProcedureFileError as error:
            raise CommandError(f"nothing imported:\n{error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged"
            )
        )
