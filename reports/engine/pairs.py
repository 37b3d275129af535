"""Pair counts (reports.models.PairCount) and per-commune sums: the additive data
behind the composite indices' standard errors (reports.statistics).

Kept like the other aggregates: the official sweep adds the pairs of the
responses it counts (own rows and pooled rows of every agency above), the
repair rebuilds a year from raw answers, and a period's groups get their pairs
summed from the aggregate rows, never from raw answers. The engine calls these
functions inside its transaction, holding the engine lock.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.db.models import Q

from agencies.models import Agency
from reports.engine import pair_sums
from reports.engine.sql import AGENCY_ORDER
from reports.models import PairCount

TABLE = PairCount._meta.db_table
KEY = "agency_id, pooled, month, version_id, item_a, item_b"
COUNTS = ("answered", "a_satisfied", "b_satisfied", "both_satisfied")


def satisfied_values(setup) -> set[int]:
    """The values that count as satisfied, over the methodologies in use."""
    values = set()
    for method in setup.methodology.values():
        values |= method.satisfied_values
    return values or {4, 5}


def _satisfied(setup) -> str:
    return ", ".join(str(v) for v in sorted(satisfied_values(setup)))


def insert_pairs(setup, batch: str, *, bucket: str, closure: str) -> None:
    """INSERT … SELECT the pair counts of the answer rows in the table `batch`
    (the engine's staged batch: response_id, agency_id, version_id, submitted_at,
    item_code, value), per month (`bucket`: SQL of the month of
    ``p.submitted_at``), added to existing rows. Each response counts for its
    agency and every agency above it (`closure`: SQL of (agency_id,
    ancestor_id)). A repair counts the same from one read of the answers
    (reports.engine.rebuild)."""
    items = sorted(setup.element_of_item)
    if not items:
        return
    marks = ", ".join(["%s"] * len(items))
    sat = _satisfied(setup)
    # item codes compare bytewise, as Python's str does (reports.statistics.pair_key)
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    tree = f"JOIN ({closure}) c ON c.agency_id = x.agency_id"
    agency, pooled = "c.ancestor_id", "c.ancestor_id <> x.agency_id"
    table = TABLE
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
    ending = f"ON CONFLICT ({KEY}) DO UPDATE SET {sets}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} ({KEY}, {", ".join(COUNTS)})
            SELECT {agency}, {pooled}, x.bucket, x.version_id, x.item_a, x.item_b,
                   SUM(x.aa), SUM(x.sa), SUM(x.sb), SUM(x.ss)
            FROM (
                -- counted per own agency first, then spread up the tree
                SELECT p.agency_id, {bucket} AS bucket, p.version_id,
                       p.item_code AS item_a, q.item_code AS item_b,
                       COUNT(*) AS aa,
                       SUM(CASE WHEN p.value IN ({sat}) THEN 1 ELSE 0 END) AS sa,
                       SUM(CASE WHEN q.value IN ({sat}) THEN 1 ELSE 0 END) AS sb,
                       SUM(CASE WHEN p.value IN ({sat}) AND q.value IN ({sat})
                           THEN 1 ELSE 0 END) AS ss
                FROM {batch} p
                JOIN {batch} q ON q.response_id = p.response_id
                    AND q.item_code{collate} > p.item_code{collate}
                WHERE p.item_code IN ({marks}) AND q.item_code IN ({marks})
                GROUP BY 1, 2, 3, 4, 5
            ) x {tree}
            GROUP BY 1, 2, 3, 4, 5, 6
            {ending}
            """,
            items + items,
        )


def pool_pairs(first, last, closure: str) -> None:
    """Add the pooled pair rows of some months from their own rows (the
    re-pooling after agencies moved, like the other aggregates)."""
    table = TABLE
    sums = ", ".join(f"SUM(t.{c})" for c in COUNTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} ({KEY}, {", ".join(COUNTS)})
            SELECT c.ancestor_id, %s, t.month, t.version_id, t.item_a, t.item_b,
                   {sums}
            FROM {table} t JOIN ({closure}) c
                ON c.agency_id = t.agency_id AND c.ancestor_id <> t.agency_id
            WHERE t.pooled = %s AND t.month >= %s AND t.month <= %s
            GROUP BY c.ancestor_id, t.month, t.version_id, t.item_a, t.item_b
            {AGENCY_ORDER}
            """,
            [True, False, first, last],
        )


def attach(period, setup, groups: dict, only=None, source=None) -> None:
    """Give each official group of a period its pair counts (summed over the
    period: own rows for the own scope, own and pooled for the subtree) as a
    :class:`reports.statistics.PairTable` over its questionnaire's satisfaction
    items and, for cluster-sampled questionnaires, the per-agency (commune) sums
    of its subtree. Groups without any pair get an empty table (their
    composites' items are then uncorrelated by observation, not by assumption).

    The database sums each group's pairs (reports.engine.pair_sums): one row
    per agency and version, both scopes' sums as arrays, so Python's work is a
    few array operations per group, not one per pair. `source`, a
    :class:`reports.engine.pair_sums.YearPairs` of the groups' agencies (a
    recompute's chunk), gives the sums from the months it read once for every
    period of their year, instead of a query per period."""
    if not groups:
        return
    tables = pair_sums.empty_tables(setup)
    for (_agency, _scope, q, _dim, _dv), counts in groups.items():
        if counts.pairs is None:
            counts.pairs = {}  # a questionnaire without a table: no pair
        if counts.pair_table is None and q in tables:
            counts.pair_table = tables[q][0]
    if source is not None:
        sums = source.sums(period)
    else:
        agencies = versions = None
        if only is not None:  # a sweep: its groups' agencies and questionnaires
            agencies = sorted({key[0] for key in groups})
            asked = {key[2] for key in groups}
            versions = sorted(
                v for v, q in setup.version_questionnaire.items() if q in asked
            )
        sums = pair_sums.period_sums(period, setup, agencies, tables, versions)
    for agency_id, q, own, subtree in sums:
        for scope, table in (("own", own), ("subtree", subtree)):
            counts = groups.get((agency_id, scope, q, "", ""))
            if counts is not None:
                counts.pair_table = counts.pair_table.added(table)
    _attach_clusters(period, setup, groups)


def _attach_clusters(period, setup, groups: dict) -> None:
    """Per-agency sums (satisfied or choosing, answered) of every agency under
    each subtree group of a cluster-sampled questionnaire (household form: one
    commune, one cluster), from the own answer counts, keyed by the indicator
    they make: satisfaction items and G by code (satisfied), G:k and the
    shares N4:k by option, expectations M by code (Rất nhiều or Nhiều)."""
    clustered = {
        q
        for q, method in setup.methodology.items()
        if q in method.cluster_questionnaires
    }
    wanted = {key for key in groups if key[1] == "subtree" and key[2] in clustered}
    versions = [v for v, q in setup.version_questionnaire.items() if q in clustered]
    if not wanted or not versions:
        return
    # Only the trees (provinces) of the wanted groups: an agency's subtree lies
    # in its tree, so a recompute's chunk or a sweep reads its own provinces'
    # rows, not the country's.
    tops = set()
    for pk, path in Agency.objects.filter(
        id__in={key[0] for key in wanted}
    ).values_list("id", "path"):
        top = path.strip("/").split("/")[0]
        tops.add(int(top) if top else pk)
    trees = Q()
    for top in tops:
        trees |= Q(path__startswith=f"/{top}/") | Q(id=top)
    members = sorted(Agency.objects.filter(trees).values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT agency_id, version_id, item_code, value, SUM(count)
            FROM reports_answercount
            WHERE pooled = %s AND dimension = '' AND month >= %s AND month <= %s
              AND version_id IN ({", ".join(["%s"] * len(versions))})
              AND agency_id IN ({", ".join(["%s"] * len(members))})
            GROUP BY agency_id, version_id, item_code, value
            """,
            [False, period.first, period.last, *versions, *members],
        )
        rows = cursor.fetchall()
    paths = dict(
        Agency.objects.filter(id__in={row[0] for row in rows}).values_list("id", "path")
    )
    answers: dict = defaultdict(lambda: defaultdict(int))
    for agency_id, version_id, item, value, count in rows:
        q = setup.version_questionnaire[version_id]
        answers[(agency_id, q, item)][int(value)] += int(count)
    sums: dict = defaultdict(lambda: [0, 0])
    for (agency_id, q, item), options in answers.items():
        for indicator, hits in _indicator_hits(setup, q, item, options):
            cell = sums[(agency_id, q, indicator)]
            cell[0] += hits
            cell[1] += sum(options.values())
    for (agency_id, q, indicator), (hits, answered) in sums.items():
        chain = [int(p) for p in paths.get(agency_id, "").strip("/").split("/") if p]
        for ancestor in chain or [agency_id]:
            key = (ancestor, "subtree", q, "", "")
            if key in wanted:
                groups[key].add_cluster(agency_id, indicator, hits, answered)
    for key in wanted:
        if groups[key].clusters:
            groups[key].clusters = dict(sorted(groups[key].clusters.items()))


def _indicator_hits(setup, q: str, item: str, options: dict[int, int]):
    """(indicator, hits) of one item's answer counts in one cluster, for each
    item-like row of reports.indices.compute_rows the item makes."""
    method, catalogue = setup.methodology[q], setup.catalogue[q]
    if item in catalogue.sat_items or (
        catalogue.overall and item == method.overall_item
    ):
        yield item, sum(c for v, c in options.items() if v in method.satisfied_values)
    if catalogue.overall and item == method.overall_item:
        for option in range(1, 6):
            yield f"{item}:{option}", options.get(option, 0)
    if item in catalogue.choices:
        if item in method.share_items:
            for option in catalogue.choices[item]:
                yield f"{item}:{option}", options.get(option, 0)
        if method.is_expectation(item):
            hits = sum(c for v, c in options.items() if v in method.expectation_values)
            yield item, hits
