"""`manage.py load_reference_data [--province PP ...]`: agencies/reference/ and
the questionnaires (surveys/reference.py)."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.procedure_import import ProcedureFileError
from agencies.reference import PackageUnavailable, UnknownProvince
from surveys.reference import load_reference_data


class Command(BaseCommand):
    help = (
        "Load administrative units, agencies, service points, procedures and "
        "questionnaires. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            nargs="+",
            action="extend",
            metavar="PP",
            help="current province code(s) to load, e.g. 33 (default: all 34)",
        )

    def handle(self, *args, province: list[str] | None = None, **options) -> None:
        started = time.monotonic()
        try:
            report = load_reference_data(province)
        except UnknownProvince as error:
            raise CommandError(
                f"--province {error}: not the code of one of the 34 current provinces"
            )
        except PackageUnavailable as error:
            raise CommandError(str(error))
        except ProcedureFileError as error:
            raise CommandError(f"bundled procedure catalogue: {error}")
        for message in report.messages:
            self.stdout.write(message)
        summary = ", ".join(
            f"{name}: {report.created[name]} created, {report.updated[name]} updated"
            for name in report.created
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Reference data loaded in {time.monotonic() - started:.1f} s "
                f"({summary})"
            )
        )
