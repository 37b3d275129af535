"""seed_demo: synthetic demo responses for one province (default 33, Hưng Yên)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from surveys.demo import DemoError, seed_responses
from surveys.models import Response


class Command(BaseCommand):
    help = (
        "Store realistic synthetic responses for a province through the normal "
        "write path (surveys.services.store_responses). Deterministic with --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--responses", type=int, default=20000, help="how many (20000)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
        parser.add_argument("--province", default="33", help="province code (33)")
        parser.add_argument(
            "--year", type=int, help="year of the responses (this year)"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when any response is stored already (for make demo)",
        )
        parser.add_argument("--batch-size", type=int, default=2000, help=" (2000)")

    def handle(self, *args, **options) -> None:
        count = options["responses"]
        if count < 0:
            raise CommandError("--responses must be 0 or more.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        province = options["province"].strip()
        if not (province.isdigit() and len(province) == 2):
            raise CommandError(
                f"--province {province!r}: expected a 2-digit code, e.g. 33."
            )
        if options["if_empty"] and Response.objects.exists():
            self.stdout.write("seed_demo: responses exist already, nothing to do.")
            return
        today = timezone.localdate()
        year = options["year"] or today.year
        started = time.monotonic()
        try:
            stored = seed_responses(
                count=count,
                seed=options["seed"],
                province=province,
                year=year,
                today=today,
                now=timezone.now(),
                batch_size=options["batch_size"],
            )
        except DemoError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_demo: stored {stored} demo responses for province {province}, "
                f"year {year}, seed {options['seed']} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self.stdout.write(
            "Indices: run `manage.py compute_indices --sync` (make demo does), or let "
            "the worker's periodic sweep pick the new responses up."
        )
