"""`manage.py compute_indices [--period P ...] [--sync]`."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.engine.recompute import periods_with_responses, recompute_periods
from reports.tasks import after_recompute, recompute_period_task
from sipas.periods import parse_period
from surveys.models import PurgedYear


class _ProgressBar:
    """A one-line bar on a terminal (nothing when output goes to a file or a pipe)."""

    def __init__(self, stream, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.shown = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.shown:
            filled = self.width * done // max(total, 1)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{total}", ending="")
            self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("")


def _span(written: dict[str, int]) -> str:
    years = sorted({code[:4] for code in written})
    return years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"


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
        purged = set(PurgedYear.objects.values_list("year", flat=True))
        if rebuild and (purged := purged & {parse_period(c).year for c in codes}):
            raise CommandError(
                f"--rebuild: the raw responses of {sorted(purged)} were purged "
                "(purge_responses); their aggregates cannot be rebuilt"
            )
        if not codes:
            self.stdout.write("No responses: nothing to compute.")
            return
        if sync or rebuild:
            started = time.monotonic()
            bar = _ProgressBar(self.stderr) if options["verbosity"] >= 1 else None
            written = recompute_periods(codes, rebuild=rebuild, progress=bar)
            if bar is not None:
                bar.close()
            if options["verbosity"] >= 2:
                for code, rows in written.items():
                    if rows:
                        self.stdout.write(f"{code}: {rows} index rows")
            # The follow-ups (key drivers, alerts) run here too.
            after_recompute(list(written), sync=True)
            periods = len(written)
            self.stdout.write(
                f"Computed {periods} period{'s' if periods != 1 else ''} "
                f"({_span(written)}): {sum(written.values()):,} index rows "
                f"in {time.monotonic() - started:.1f} s."
            )
            return
        for code in codes:
            recompute_period_task.delay(code)
        self.stdout.write(f"Enqueued {len(codes)} period(s): {', '.join(codes)}")
