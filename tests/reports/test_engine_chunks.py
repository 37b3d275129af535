"""A recompute in chunks of agencies (reports.engine.recompute.agency_chunks): the
memory of a worker follows the chunk, not the country, and the rows written are
exactly those of one pass over every agency."""

import pytest
from django.core.management import call_command
from django.db import connection

from agencies.models import Agency
from reports.engine import aggregates, recompute
from reports.engine.results import RESULT_COLUMNS
from reports.models import IndexResult
from sipas.periods import parse_period, periods_of_year
from surveys.models import Response
from tests.reports.engine_fixtures import generate_rows, write_csv

# Two provinces (two trees), both questionnaires (hh-1001 is cluster-sampled:
# a subtree's design effect reads every commune under it).
AGENCIES = [
    "UBND-T33",
    "SNV-T33",
    "UBND-X12133",
    "TTHCC-X12133",
    "UBND-X12103",
    "UBND-T01",
    "UBND-X00004",
    "TTHCC-X00004",
]


def snapshot() -> set[tuple]:
    """Every index row without its time stamp (tests.reliability.engine's
    snapshot keeps computed_at: rows rewritten alike would differ there)."""
    fields = [c for c in RESULT_COLUMNS if c != "computed_at"]
    return set(IndexResult.objects.values_list(*fields))


@pytest.fixture
def two_provinces(db, tmp_path):
    from surveys.reference import load_reference_data

    load_reference_data(["33", "01"])
    rows = generate_rows(AGENCIES, 300, 2026, seed=5)
    call_command("import_responses", str(write_csv(rows, tmp_path / "a.csv")))
    return rows


def test_a_chunked_recompute_writes_exactly_the_rows_of_one_pass(
    two_provinces, monkeypatch
):
    """With chunks of three agencies (trees cut in pieces) every part of 2026 is
    written as with one chunk holding all agencies, stale rows of any chunk go,
    and no chunk's groups hold more than three agencies."""
    codes = periods_of_year(2026)
    recompute.recompute_periods(codes, rebuild=True, chunk=10**6)
    one_pass = snapshot()
    assert any(row for row in one_pass if "hh-1001" in row)
    chunks = recompute.agency_chunks(3)
    assert len(chunks) > 2 and max(len(c) for c in chunks) == 3
    assert sorted(pk for chunk in chunks for pk in chunk) == sorted(
        Agency.objects.values_list("id", flat=True)
    )
    # rows the aggregates no longer support, in the first and the last chunk
    some = IndexResult.objects.filter(period="2026").first()
    for chunk in (chunks[0], chunks[-1]):
        IndexResult.objects.create(
            **{
                field.name: getattr(some, field.name)
                for field in IndexResult._meta.fields
                if field.name not in ("id", "agency")
            }
            | {"agency_id": chunk[0], "dimension_value": "stale"}
        )
    IndexResult.objects.filter(period="2026-Q2", scope="subtree").update(value=1.0)

    held: list[int] = []
    collect = recompute.collect_periods

    def spy(periods, setup, part, only=None):
        for period, groups in collect(periods, setup, part, only):
            held.append(len({key[0] for key in groups}))
            yield period, groups

    monkeypatch.setattr(recompute, "collect_periods", spy)
    recompute.recompute_periods(codes, chunk=3)
    assert 0 < max(held) <= 3
    assert snapshot() == one_pass, "\n".join(map(str, sorted(snapshot() ^ one_pass)))


def test_agency_chunks_keep_trees_together_where_they_fit(two_provinces):
    def top(pk):
        path = Agency.objects.get(pk=pk).path
        return path.strip("/").split("/")[0] or str(pk)

    sizes = {}
    for pk in Agency.objects.values_list("id", flat=True):
        sizes[top(pk)] = sizes.get(top(pk), 0) + 1
    big = max(sizes.values())
    chunks = recompute.agency_chunks(big)
    for chunk in chunks:
        assert len(chunk) <= big
    # every tree lies in one chunk when the chunk can hold the biggest
    tree_chunks = {}
    for number, chunk in enumerate(chunks):
        for pk in chunk:
            tree_chunks.setdefault(top(pk), set()).add(number)
    assert all(len(numbers) == 1 for numbers in tree_chunks.values())
    assert len(chunks) < len(sizes)  # small trees share a chunk


def test_a_recompute_counts_a_bulk_load_in_batches(two_provinces, monkeypatch):
    """Uncounted responses (a bulk load) are counted COUNT_BATCH at a time, never
    all in memory, into the same aggregates and rows as a repair."""
    codes = periods_of_year(2026)
    recompute.recompute_periods(codes, rebuild=True)
    repaired = snapshot()
    Response.objects.update(counted=False)
    from reports.models import AnswerCount, MaskCount, PairCount

    for model in (AnswerCount, MaskCount, PairCount):
        model.objects.all().delete()
    monkeypatch.setattr(aggregates, "COUNT_BATCH", 40)
    limits = []
    pending = aggregates.pending_responses

    def spy(limit=None):
        limits.append(limit)
        return pending(limit)

    monkeypatch.setattr(aggregates, "pending_responses", spy)
    recompute.recompute_periods(codes)
    assert limits and all(limit == 40 for limit in limits)
    assert len(limits) > 5  # 300 responses, 40 at a time, then none left
    assert not Response.objects.filter(counted=False, flagged=False).exists()
    assert snapshot() == repaired


class _Undo(Exception):
    pass


def test_a_sweep_in_chunks_writes_exactly_the_rows_of_one_pass(
    two_provinces, monkeypatch
):
    """A sweep spread over many agencies writes them a few at a time (its memory
    follows the piece, not the country) and writes the rows of one pass."""
    from django.db import transaction

    from reports.engine import sweep
    from reports.engine.setup import BREAKDOWNS, OFFICIAL

    assert Response.objects.filter(counted=False).count() > 100

    def swept(chunk: int) -> set[tuple]:
        try:
            with transaction.atomic():
                assert sweep._sweep(OFFICIAL, 10**6, chunk=chunk) > 100
                assert sweep._sweep(BREAKDOWNS, 10**6, chunk=chunk) > 100
                rows = snapshot()
                raise _Undo
        except _Undo:
            return rows

    one_pass = swept(10**6)
    assert any(row for row in one_pass if "hh-1001" in row)
    assert any(row for row in one_pass if row[5])  # breakdown rows too
    held: list[int] = []
    collect = sweep.collect_periods

    def spy(periods, setup, part, only=None, values=None):
        held.append(len({a for scopes in only.values() for a, _scope in scopes}))
        yield from collect(periods, setup, part, only, values)

    monkeypatch.setattr(sweep, "collect_periods", spy)
    assert swept(2) == one_pass
    assert len(held) > 4 and max(held) == 2


def test_the_pieces_of_a_sweep_cover_what_it_affects_once():
    from reports.engine.sweep import _chunked

    affected = {
        "2026": {(1, "own"), (1, "subtree"), (2, "subtree"), (3, "subtree")},
        "2026-01": {(1, "own"), (3, "subtree")},
    }
    pieces = _chunked(affected, 2)
    assert pieces == [
        {"2026": {(1, "own"), (1, "subtree"), (2, "subtree")}, "2026-01": {(1, "own")}},
        {"2026": {(3, "subtree")}, "2026-01": {(3, "subtree")}},
    ]
    assert _chunked(affected, 10) == [affected]


def test_a_sweep_rewrites_only_the_questionnaires_answered(two_provinces, monkeypatch):
    """New exit forms at agencies that also have household responses: the sweep
    computes no household group (nor its clusters), leaves those rows as they
    were, and the rows are still exactly those of a full recompute."""
    import datetime

    from reports.engine import sweep
    from reports.engine.setup import BREAKDOWNS, OFFICIAL
    from sipas.periods import local_tz
    from surveys.models import Questionnaire
    from surveys.services import ResponseDraft, store_responses

    codes = periods_of_year(2026)
    recompute.recompute_periods(codes, rebuild=True)
    household = IndexResult.objects.filter(questionnaire="hh-1001")
    before = set(household.values_list("id", "computed_at", "value", "n"))
    assert before
    version = Questionnaire.objects.get(code="exit-dv").current_version()
    at = datetime.datetime(2026, 5, 4, 10, tzinfo=local_tz())
    store_responses(
        [
            ResponseDraft(
                version=version,
                agency_id=Agency.objects.get(code=code).pk,
                answers={"E1.1": 5, "E2.1": 2, "G": 4},
                submitted_at=at,
            )
            for code in AGENCIES
        ]
    )
    written = []
    write = sweep.write_period

    def spy(period, setup, only, part, groups, questionnaires=None, values=None):
        written.append(({key[2] for key in groups}, questionnaires))
        return write(
            period,
            setup,
            only,
            part,
            groups,
            questionnaires=questionnaires,
            values=values,
        )

    monkeypatch.setattr(sweep, "write_period", spy)
    assert sweep._sweep(OFFICIAL, 10**6) == len(AGENCIES)
    assert sweep._sweep(BREAKDOWNS, 10**6) == len(AGENCIES)
    assert written and all(
        groups <= {"exit-dv"} and asked == {"exit-dv"} for groups, asked in written
    )
    assert set(household.values_list("id", "computed_at", "value", "n")) == before
    swept = snapshot()
    recompute.recompute_periods(codes, rebuild=True)
    assert snapshot() == swept


def test_periods_without_rows_are_written_without_reading_them(
    two_provinces, monkeypatch
):
    """A recompute reads the current rows only of the periods that have some of
    the part (a first computation, or rows deleted to be written anew, reads
    none) and writes the same rows either way; unchanged rows are left alone."""
    from reports.engine import results
    from reports.engine.setup import BREAKDOWNS, OFFICIAL, load_setup

    codes = periods_of_year(2026)
    recompute.recompute_periods(codes, rebuild=True)
    full = snapshot()
    official = IndexResult.objects.filter(dimension="", period__in=codes)
    official.exclude(period="2026-03").delete()
    kept = set(official.values_list("id", "computed_at"))
    assert kept
    setup = load_setup()
    periods = [parse_period(code) for code in codes]
    assert results.periods_without_rows(periods, setup, OFFICIAL) == set(codes) - {
        "2026-03"
    }
    assert not results.periods_without_rows(periods, setup, BREAKDOWNS) & {"2026"}
    read = []
    existing = results._existing_rows

    def spy(period, *args, **kwargs):
        read.append(period.code)
        return existing(period, *args, **kwargs)

    monkeypatch.setattr(results, "_existing_rows", spy)
    recompute.recompute_periods(codes, parts=(OFFICIAL,))
    assert set(read) == {"2026-03"}
    assert snapshot() == full
    assert (
        set(official.filter(period="2026-03").values_list("id", "computed_at")) == kept
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)
def test_a_repair_stores_the_aggregates_agency_by_agency(two_provinces):
    """The repair writes each kind of aggregate row (own rows, pooled rows)
    in the order of the agencies' paths: tree by tree, as a recompute takes
    them (agency_chunks), so a chunk's agencies, or a sweep's, lie on few
    pages."""
    from reports.engine.pooled import Tree

    recompute.recompute_periods(periods_of_year(2026), rebuild=True)
    tree = Tree()
    assert len(set(tree.root.values())) > 1  # two provinces, two trees
    for table in ("reports_answercount", "reports_maskcount", "reports_paircount"):
        official = "" if table == "reports_paircount" else " AND dimension = ''"
        for pooled in (False, True):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT agency_id FROM {table}_y2026 "
                    f"WHERE pooled = %s{official} ORDER BY ctid",
                    [pooled],
                )
                agencies = [(tree.place[a], a) for (a,) in cursor.fetchall()]
            assert len({tree.root[a] for _place, a in agencies}) > 1, table
            assert agencies == sorted(agencies), table


class _Failed(Exception):
    pass


def test_a_failure_while_rows_stream_into_copy_writes_nothing(
    two_provinces, monkeypatch
):
    """Rows go into COPY as they are computed: a failure half way, after some
    of them reached the server, aborts the COPY and rolls the recompute back."""
    from reports import indices
    from reports.engine import results
    from reports.engine.setup import OFFICIAL

    codes = periods_of_year(2026)
    recompute.recompute_periods(codes, rebuild=True)
    IndexResult.objects.filter(period__in=codes, dimension="").delete()
    before = snapshot()
    compute = indices.compute_rows
    calls = {"n": 0}

    def fail_later(*args):
        calls["n"] += 1
        if calls["n"] == 60:  # some hundreds of rows streamed already
            raise _Failed("no maths today")
        return compute(*args)

    monkeypatch.setattr(indices, "compute_rows", fail_later)
    # COPY takes a few rows at a time: the failing one has sent some already
    monkeypatch.setattr(results, "COPY_READ", 1024)
    # (psycopg2 ends the COPY with the error's text and raises its own)
    with pytest.raises(Exception, match="no maths today"):
        recompute.recompute_periods(codes, parts=(OFFICIAL,))
    assert calls["n"] == 60
    assert snapshot() == before
    monkeypatch.setattr(indices, "compute_rows", compute)
    recompute.recompute_periods(codes, parts=(OFFICIAL,))
    assert IndexResult.objects.filter(period__in=codes, dimension="").exists()
