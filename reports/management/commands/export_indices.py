"""`manage.py export_indices --period P [--agency CODE] FILE.json|FILE.csv|FILE.xlsx`.

Publishes the official rows (no dashboard breakdowns) in the format of
docs/formats.md ("Index results").
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max
from django.utils import timezone

from agencies.models import Agency
from reports.indices import DEFAULT_METHODOLOGY, METHODOLOGIES
from reports.management.arguments import agency_option, file_type
from reports.models import IndexResult
from reports.statistics import ITEM_LIKE, design_interval
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
    "ci95_low",
    "ci95_high",
    "flag",
    "se",
    "incomplete",
    "ci95_design_low",
    "ci95_design_high",
]


def published(
    period: str,
    agency: Agency | None = None,
    methodology: str = "",
    version: int | None = None,
):
    """The official rows of a period, of the methodology's current version or
    of an older `version` (rows of every version stay readable)."""
    method = METHODOLOGIES[methodology or DEFAULT_METHODOLOGY]
    # The distribution of the overall item (G:1 … G:5) is a dashboard row, not a
    # published indicator (docs/formats.md: shares are the household form's
    # choices).
    rows = IndexResult.objects.filter(
        period=period,
        methodology=method.code,
        method_version=version or method.version,
        dimension="",
    ).exclude(kind="share", indicator__startswith=f"{method.overall_item}:")
    if agency is not None:
        rows = rows.filter(agency=agency)
    return rows.select_related("agency").order_by(
        "agency__code", "questionnaire", "scope", "id"
    )


def as_object(row: IndexResult) -> dict:
    ci = [row.ci_low, row.ci_high] if row.ci_low is not None else None
    design = {}
    if row.kind in ITEM_LIKE and row.questionnaire in _clustered(row.methodology):
        interval = design_interval(row.value, row.n, row.se)
        design["ci95_design"] = [round(b, 2) for b in interval] if interval else None
    return {
        "agency": row.agency.code,
        "scope": row.scope,
        "questionnaire": row.questionnaire,
        "kind": row.kind,
        "indicator": row.indicator,
        "value": row.value,
        "n": row.n,
        "ci95": ci,
        "flag": row.flag or None,
        "se": row.se,
        "incomplete": row.incomplete.split(",") if row.incomplete else [],
        **design,
    }


def _clustered(methodology: str) -> frozenset[str]:
    """Questionnaires the methodology samples in clusters (hh-1001): their
    item-like rows carry ci95_design beside the Wilson ci95."""
    method = METHODOLOGIES.get(methodology)
    return method.cluster_questionnaires if method else frozenset()


class Command(BaseCommand):
    help = "Export the published indices of a period as JSON, CSV or xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--period", required=True, metavar="P")
        parser.add_argument("--agency", metavar="CODE")
        parser.add_argument("--methodology", default=DEFAULT_METHODOLOGY)
        parser.add_argument(
            "--methodology-version",
            type=int,
            metavar="V",
            help="rows of an older version of the methodology (default: current)",
        )

    def handle(self, *args, **options) -> None:
        with replica_reads():  # a read-only job: the replica when there is one
            self.export(**options)

    def export(self, *, file: Path, period: str, agency, methodology, **options):
        version = options.get("methodology_version")
        if methodology not in METHODOLOGIES:
            raise CommandError(f"--methodology: unknown methodology {methodology!r}")
        current = METHODOLOGIES[methodology].version
        if version is not None and not 1 <= version <= current:
            raise CommandError(
                f"--methodology-version: {methodology} has versions 1 to {current}"
            )
        try:
            parse_period(period)
        except ValueError as error:
            raise CommandError(f"--period: {error}")
        found = agency_option(agency)
        suffix = file_type(file)
        rows = published(period, found, methodology, version)
        if suffix == ".json":
            generated = rows.aggregate(at=Max("computed_at"))["at"] or timezone.now()
            document = {
                "period": period,
                "methodology": methodology,
                "methodology_version": version or current,
                "generated_at": generated.astimezone(local_tz()).isoformat(
                    timespec="seconds"
                ),
                "results": [as_object(row) for row in rows.iterator(chunk_size=5000)],
            }
            file.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
            count = len(document["results"])
        else:

            def table():
                yield COLUMNS
                for row in rows.iterator(chunk_size=5000):
                    obj = as_object(row)
                    ci = obj.pop("ci95") or [None, None]
                    obj["ci95_low"], obj["ci95_high"] = ci
                    design = obj.pop("ci95_design", None) or [None, None]
                    obj["ci95_design_low"], obj["ci95_design_high"] = design
                    obj["flag"] = obj["flag"] or ""
                    obj["incomplete"] = ",".join(obj["incomplete"])
                    yield ["" if obj[c] is None else obj[c] for c in COLUMNS]

            # Index tables are read by programs, not only spreadsheets: no BOM.
            count = write_table(file, table(), bom=False)
        self.stdout.write(self.style.SUCCESS(f"{file}: {count} index rows ({period})"))
