"""`manage.py compute_indices [--period P ...] [--sync]`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.engine.recompute import periods_with_responses, recompute_periods
from reports.tasks import after_recompute, recompute_period_task
from sipas.periods import parse_period


class Command(BaseCommand):
    help = (
        "Recompute the indices of the given periods (default: every year, quarter and "
        "month with responses): enqueue on Celery, or run here with --sync."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period", nargs="+", action="extend", metavar="P", default=[]
        )
        parser.add_argument("--sync", action="store_true", help="run in this process")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="first rebuild the aggregates of the periods' years from raw answers "
            "(a repair; implies --sync)",
        )

    def handle(
        self, *args, period: list[str], sync: bool, rebuild: bool, **options
    ) -> None:
        for code in period:
            try:
                parse_period(code)
            except ValueError as error:
                raise CommandError(f"--period: {error}")
        codes = period or periods_with_responses()
        if not codes:
            self.stdout.write("No responses: nothing to compute.")
            return
        if sync or rebuild:
            written = recompute_periods(codes, rebuild=rebuild)
            for code, rows in written.items():
                self.stdout.write(f"{code}: {rows} index rows")
            # The follow-ups (key drivers, alerts) run here too.
            after_recompute(list(written), sync=True)
            return
        for code in codes:
            recompute_period_task.delay(code)
        self.stdout.write(f"Enqueued {len(codes)} period(s): {', '.join(codes)}")
