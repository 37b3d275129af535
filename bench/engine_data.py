"""Generated data of the engine benchmark (bench/engine.py): exit-dv responses of
one year spread over province 33's agencies, loaded with COPY, written as a
sipas-csv import file, or copied as the import's floor. One generator and seed
give the same rows to all three."""

from __future__ import annotations

import csv
import datetime
import io
import random
import time
import uuid
import zoneinfo
from pathlib import Path

YEAR = 2026
SAT_CODES = [
    *[f"E1.{i}" for i in range(1, 5)],
    *[f"E2.{i}" for i in range(1, 5)],
    *[f"E3.{i}" for i in range(1, 6)],
    *[f"E4.{i}" for i in range(1, 4)],
    *[f"E5.{i}" for i in range(1, 4)],
    "G",
]
RESPONSE_COLUMNS = [
    "id",
    "submitted_at",
    "channel",
    "gender",
    "age_group",
    "ethnicity",
    "education",
    "occupation",
    "area",
    "terrain",
    "comment",
    "source",
    "flagged",
    "flag_reason",
    "fingerprint",
    "counted",
    "agency_id",
    "procedure_id",
    "version_id",
]
# year: the partition key of surveys_answer (surveys.partitions)
ANSWER_COLUMNS = ("response_id", "year", "item_code", "value")
LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")  # settings.TIME_ZONE


def log(message: str) -> None:
    print(f"[engine] {message}", flush=True)


class Fixture:
    def __init__(self) -> None:
        from agencies.models import Agency, Procedure
        from surveys.models import Questionnaire

        self.version = Questionnaire.objects.get(code="exit-dv").current_version()
        self.agencies = list(
            Agency.objects.filter(province_code="33", valid_until__isnull=True)
            .order_by("id")
            .values_list("id", "code")
        )
        self.procedures = list(
            Procedure.objects.order_by("id").values_list("id", "code")[:40]
        )

    def pick_agency(self, rng: random.Random) -> tuple[int, str]:
        """A response's agency: uniform here (bench/national.py weighs them)."""
        return self.agencies[rng.randrange(len(self.agencies))]


def random_response(rng: random.Random, fx: Fixture) -> tuple[dict, dict[str, int]]:
    start = datetime.datetime(YEAR, 1, 1, tzinfo=datetime.UTC) - datetime.timedelta(
        hours=7
    )
    at = start + datetime.timedelta(seconds=rng.randrange(365 * 86400))
    agency = fx.pick_agency(rng)
    procedure = fx.procedures[rng.randrange(len(fx.procedures))]
    meta = {
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "submitted_at": at,
        "agency": agency,
        "procedure": procedure if rng.random() < 0.7 else None,
        "channel": rng.choice(["", "truc_tiep", "truc_tuyen", "buu_chinh"]),
        "gender": rng.choice(["", "nam", "nu"]),
        "age_group": rng.choice(["", "18-24", "25-34", "35-49", "50-60", "60+"]),
    }
    answers = {
        code: rng.choices((1, 2, 3, 4, 5), (1, 2, 3, 6, 4))[0]
        for code in SAT_CODES
        if rng.random() < 0.95
    }
    return meta, answers


def write_copy_rows(
    fx: Fixture, meta: dict, chosen: dict[str, int], responses, answers
) -> None:
    """One generated response and its answers as COPY lines (RESPONSE_COLUMNS)."""
    procedure = meta["procedure"][0] if meta["procedure"] else "\\N"
    responses.write(
        f"{meta['id']}\t{meta['submitted_at'].isoformat()}\t{meta['channel']}\t"
        f"{meta['gender']}\t{meta['age_group']}\t\t\t\t\t\t\tdemo\tf\t\t\tf\t"
        f"{meta['agency'][0]}\t{procedure}\t{fx.version.pk}\n"
    )
    key = f"{meta['id']}\t{meta['submitted_at'].astimezone(LOCAL).year}"
    for code, value in chosen.items():
        answers.write(f"{key}\t{code}\t{value}\n")


def copy_responses(fx: Fixture, count: int, seed: int, batch: int = 100_000) -> None:
    """COPY `count` generated responses and their answers into the real tables."""
    from django.db import connection

    from surveys.partitions import ensure_year_partitions

    ensure_year_partitions([YEAR])
    rng = random.Random(seed)
    done = 0
    while done < count:
        size = min(batch, count - done)
        responses, answers = io.StringIO(), io.StringIO()
        for _ in range(size):
            meta, chosen = random_response(rng, fx)
            write_copy_rows(fx, meta, chosen, responses, answers)
        responses.seek(0)
        answers.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_from(
                responses, "surveys_response", columns=RESPONSE_COLUMNS
            )
            cursor.cursor.copy_from(answers, "surveys_answer", columns=ANSWER_COLUMNS)
        done += size
        if done % 500_000 == 0 or done == count:
            log(f"  loaded {done:,} responses")


def write_import_file(fx: Fixture, path: Path, rows: int, seed: int) -> None:
    from sipas.formats.sipas_csv import BASE_COLUMNS

    rng = random.Random(seed)
    header = [*BASE_COLUMNS, *SAT_CODES, "comment"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for _ in range(rows):
            meta, answers = random_response(rng, fx)
            row = {
                "response_id": str(meta["id"]),
                "questionnaire": "exit-dv",
                "submitted_at": meta["submitted_at"].isoformat(),
                "agency": meta["agency"][1],
                "procedure": meta["procedure"][1] if meta["procedure"] else "",
                "channel": meta["channel"],
                "gender": meta["gender"],
                "age_group": meta["age_group"],
                **{code: str(v) for code, v in answers.items()},
            }
            writer.writerow([row.get(c, "") for c in header])


def copy_floor(fx: Fixture, rows: int, seed: int, *, fresh_tables: bool) -> float:
    """COPY the same rows (same generator and seed) as the import file.

    Into the real tables (same indexes, same foreign key checked, same size), in a
    transaction rolled back afterwards, or with `fresh_tables` into empty tables
    made `LIKE … INCLUDING ALL` (indexes, no foreign keys): the benchmark's first
    floor, kept for comparison."""
    from django.db import connection, transaction

    from surveys.partitions import ensure_year_partitions

    ensure_year_partitions([YEAR])
    rng = random.Random(seed)
    responses, answers = io.StringIO(), io.StringIO()
    for _ in range(rows):
        meta, chosen = random_response(rng, fx)
        write_copy_rows(fx, meta, chosen, responses, answers)
    tables = ("surveys_response", "surveys_answer")
    if fresh_tables:
        tables = ("bench_response", "bench_answer")
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_response, bench_answer")
            cursor.execute(
                "CREATE TABLE bench_response (LIKE surveys_response INCLUDING ALL)"
            )
            cursor.execute(
                "CREATE TABLE bench_answer (LIKE surveys_answer INCLUDING ALL)"
            )
    responses.seek(0)
    answers.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        # the deferred foreign-key checks run now, not at a commit that never comes
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        cursor.cursor.copy_from(responses, tables[0], columns=RESPONSE_COLUMNS)
        cursor.cursor.copy_from(answers, tables[1], columns=ANSWER_COLUMNS)
        seconds = time.perf_counter() - started
        if not fresh_tables:
            transaction.set_rollback(True)
    return seconds
