"""`manage.py compare_indices --period P --baseline B [--agency CODE] FILE`.

FILE is .json, .csv or .xlsx.
For each agency, scope, questionnaire and indicator published in both periods:
value, baseline, their difference with its 95 % interval, p, the
Benjamini–Hochberg q-value over the file and `significant` (q < 0.05). The
same test as the dashboards' ▲/▼ marks (reports.statistics.change).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports.comparisons import compare_periods
from reports.indices import DEFAULT_METHODOLOGY, METHODOLOGIES
from reports.management.arguments import agency_option, file_type
from sipas.formats.sipas_csv import write_table
from sipas.periods import local_tz, parse_period
from sipas.replica import replica_reads

COLUMNS = [
    "agency",
    "scope",
    "questionnaire",
    "kind",
    "indicator",
    "value",
    "n",
    "se",
    "flag",
    "incomplete",
    "baseline",
    "baseline_n",
    "baseline_se",
    "diff",
    "diff_ci95_low",
    "diff_ci95_high",
    "p",
    "q",
    "significant",
]


class Command(BaseCommand):
    help = "Test the change of every published index between two periods."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--period", required=True, metavar="P")
        parser.add_argument("--baseline", required=True, metavar="B")
        parser.add_argument("--agency", metavar="CODE")
        parser.add_argument("--methodology", default=DEFAULT_METHODOLOGY)

    def handle(self, *args, **options) -> None:
        with replica_reads():  # a read-only job: the replica when there is one
            self.compare(**options)

    def compare(self, *, file: Path, period, baseline, agency, methodology, **_):
        for name, code in (("--period", period), ("--baseline", baseline)):
            try:
                parse_period(code)
            except ValueError as error:
                raise CommandError(f"{name}: {error}")
        if period == baseline:
            raise CommandError("--baseline: must be another period than --period")
        if methodology not in METHODOLOGIES:
            raise CommandError(f"--methodology: unknown methodology {methodology!r}")
        found = agency_option(agency)
        suffix = file_type(file)
        results = compare_periods(period, baseline, found, methodology)
        if suffix == ".json":
            document = {
                "period": period,
                "baseline": baseline,
                "methodology": methodology,
                "methodology_version": METHODOLOGIES[methodology].version,
                "generated_at": timezone.now()
                .astimezone(local_tz())
                .isoformat(timespec="seconds"),
                "results": results,
            }
            file.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        else:

            def table():
                yield COLUMNS
                for row in results:
                    flat = dict(row)
                    low, high = flat.pop("diff_ci95") or [None, None]
                    flat["diff_ci95_low"], flat["diff_ci95_high"] = low, high
                    flat["incomplete"] = ",".join(flat["incomplete"])
                    yield ["" if flat[c] is None else flat[c] for c in COLUMNS]

            write_table(file, table())
        significant = sum(row["significant"] for row in results)
        self.stdout.write(
            self.style.SUCCESS(
                f"{file}: {len(results)} rows ({period} against {baseline}), "
                f"{significant} significant changes"
            )
        )
