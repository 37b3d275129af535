"""Purge a year's raw responses and answers; its indices and aggregates stay."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.purge import PurgeRefused, purge_year


class Command(BaseCommand):
    help = (
        "Delete the raw responses and answers of one year (older than "
        "RESPONSE_RETENTION_YEARS) in one transaction, keeping its published "
        "indices and aggregates. On PostgreSQL the year's answer partition is "
        "emptied at once. --dry-run says what would go."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, metavar="YYYY")
        parser.add_argument(
            "--dry-run", action="store_true", help="count only, change nothing"
        )

    def handle(self, *args, year: int, dry_run: bool, **options) -> None:
        try:
            purge = purge_year(year, dry_run=dry_run)
        except PurgeRefused as error:
            raise CommandError(f"purge_responses: {year} not purged: {error}")
        where = f" (partition {purge.partition})" if purge.partition else ""
        related = ", ".join(f"{n} {label}" for label, n in purge.related.items() if n)
        if dry_run:
            self.stdout.write(
                f"purge_responses --dry-run: {year} would lose {purge.responses:,} "
                f"responses and {purge.answers:,} answers{where}; nothing changed."
            )
            return
        self.stdout.write(
            f"purge_responses: {year}: deleted {purge.responses:,} responses and "
            f"{purge.answers:,} answers{where}"
            + (f"; also {related}" if related else "")
            + ". Its indices and aggregates are kept."
        )
