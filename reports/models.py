"""Precomputed index results: what dashboards and exports read.

Rows are written only by the index engine (reports/engine/); a request
never computes an index from raw answers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.indices import DEFAULT_METHODOLOGY, get_methodology
from reports.partitions import DerivedQuerySet, ensure_year_partitions


def current_method_version() -> int:
    """The interval-method version new index rows are computed by (rows that
    existed before a version was introduced keep theirs: see migration 0009)."""
    return get_methodology(DEFAULT_METHODOLOGY).version


class ByYear(models.Model):
    """A table partitioned by year on PostgreSQL (reports.partitions: the
    aggregates, the index rows): the ORM's writers find their year's partition."""

    objects = DerivedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if year := self.partition_year():
            ensure_year_partitions([year])
        super().save(*args, **kwargs)

    def partition_year(self) -> int | None:
        """The year whose partition holds the row: its month's."""
        return self.month.year if self.month else None


class IndexResult(ByYear):
    """One published number of an agency, scope and period, by year in its
    partition on PostgreSQL (reports.partitions)."""

    class Scope(models.TextChoices):
        OWN = "own", _("Riêng cơ quan")
        SUBTREE = "subtree", _("Cơ quan và các đơn vị trực thuộc")

    class Kind(models.TextChoices):
        ITEM = "item", _("Tiêu chí")
        ELEMENT = "element", _("Yếu tố")
        ASPECT = "aspect", _("Khía cạnh")
        SIPAS = "sipas", _("SIPAS")
        OVERALL = "overall", _("Đánh giá chung")
        SHARE = "share", _("Tỷ lệ lựa chọn")
        EXPECTATION = "expectation", _("Mong đợi")

    methodology = models.CharField(max_length=20)
    # The version of the methodology's interval method the row was computed by
    # (reports.indices.METHOD_VERSIONS): a new version writes new rows and the
    # old ones stay readable (export_indices --methodology-version).
    method_version = models.PositiveSmallIntegerField(default=current_method_version)
    period = models.CharField(_("kỳ"), max_length=7)  # 2026, 2026-Q3, 2026-07
    # No index of its own: index_result_agency leads with it (one index fewer
    # to maintain when the engine writes hundreds of thousands of rows).
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        related_name="index_results",
        db_index=False,
        db_constraint=False,  # derived rows: see AnswerCount.agency
    )
    scope = models.CharField(max_length=8, choices=Scope.choices)
    questionnaire = models.CharField(max_length=20)
    # Breakdowns for dashboards (channel=truc_tiep, procedure=1.000894, age_group=60+);
    # both empty for the official headline rows that export_indices publishes.
    dimension = models.CharField(max_length=20, blank=True, default="")
    dimension_value = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    indicator = models.CharField(max_length=12)
    value = models.FloatField(null=True)
    n = models.PositiveIntegerField()
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    # Standard error in percentage points (reports.statistics); null where the
    # row has none (n = 0, or a breakdown composite: pair counts are official).
    se = models.FloatField(null=True)
    flag = models.CharField(max_length=20, blank=True, default="")
    # Elements without answers behind a composite, comma-separated ("E5").
    incomplete = models.CharField(max_length=60, blank=True, default="")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kết quả chỉ số")
        verbose_name_plural = _("kết quả chỉ số")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "methodology",
                    "method_version",
                    "period",
                    "agency",
                    "scope",
                    "questionnaire",
                    "dimension",
                    "dimension_value",
                    "indicator",
                ],
                name="index_result_unique",
            )
        ]
        indexes = [
            # Dashboards and rankings: WHERE period = … AND questionnaire = … AND
            # indicator = … AND scope = … (all agencies of a kind, one number each).
            models.Index(
                fields=["period", "questionnaire", "indicator", "scope"],
                name="index_result_ranking",
            ),
            # Agency detail and exports: WHERE agency_id = … AND period = ….
            models.Index(fields=["agency", "period"], name="index_result_agency"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.period} {self.agency_id} {self.scope} {self.indicator}={self.value}"
        )

    def partition_year(self) -> int | None:
        """The year whose partition holds the row: its period's."""
        return int(self.period[:4]) if self.period[:4].isdigit() else None


class AnswerCount(ByYear):
    """How many answers chose each option: the aggregate indices are computed from.

    A response counts for its own agency (``pooled`` False) and for every agency
    above it (``pooled`` True): an agency's own scope is its unpooled rows, its
    subtree scope all of its rows.

    Kept current by adding the counts of each newly counted response (exactly once:
    surveys.Response.counted), never by rescanning raw answers; a repair rebuilds
    them from raw answers (reports.engine.aggregates.rebuild_aggregates). ``month``
    is the first day of a local (settings.TIME_ZONE) month: every period is a whole
    number of months. Official rows (dimension "") count every option of every
    item. Breakdown rows (see reports.engine.setup.DIMENSIONS) keep only the
    headline items, satisfied (5) or not (1), in a bucket as coarse as the periods
    they are shown for: the month for channels, the quarter's first month for
    fields and respondent groups,
    January for single procedures. Flagged responses are not counted.
    """

    # No index of their own: the unique index leads with the agency, and a
    # published questionnaire version is never deleted. Fewer indexes make the
    # sweep's upserts cheaper. No foreign-key constraint in the database either
    # (here, in MaskCount, PairCount and IndexResult): the engine derives these
    # rows from responses whose own keys are checked, and PostgreSQL checked
    # each derived row's keys one by one at COMMIT (deferred constraints: two
    # per row, millions in a repair). Deleting an agency or a version still
    # cascades, in Django.
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # False: the agency's own responses; True: those of the agencies under it
    # (kept at every agency above a response's own, so a subtree is one agency's
    # rows).
    pooled = models.BooleanField(default=False)
    month = models.DateField()
    version = models.ForeignKey(
        "surveys.QuestionnaireVersion",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    dimension = models.CharField(max_length=20, blank=True, default="")
    dimension_value = models.CharField(max_length=200, blank=True, default="")
    item_code = models.CharField(max_length=10)
    value = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # The conflict target of the delta upsert (count = count + new).
            models.UniqueConstraint(
                fields=[
                    "agency",
                    "pooled",
                    "month",
                    "version",
                    "dimension",
                    "dimension_value",
                    "item_code",
                    "value",
                ],
                name="answer_count_unique",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.agency_id} {self.month} {self.item_code}={self.value}: {self.count}"
        )


class MaskCount(ByYear):
    """How many responses answered each combination of elements.

    ``mask`` has one bit per element (reports.indices.Methodology.element_bit); 0 is
    a response without any satisfaction answer. The number of responses with at
    least one answer in an element or aspect is then a sum over masks, exact over
    any set of months and agencies (a response has one month and one agency).
    Same granularity and upkeep as AnswerCount.
    """

    # No index of their own: the unique index leads with the agency, and a
    # published questionnaire version is never deleted. Fewer indexes make the
    # sweep's upserts cheaper. No foreign-key constraint in the database either
    # (here, in MaskCount, PairCount and IndexResult): the engine derives these
    # rows from responses whose own keys are checked, and PostgreSQL checked
    # each derived row's keys one by one at COMMIT (deferred constraints: two
    # per row, millions in a repair). Deleting an agency or a version still
    # cascades, in Django.
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # False: the agency's own responses; True: those of the agencies under it
    # (kept at every agency above a response's own, so a subtree is one agency's
    # rows).
    pooled = models.BooleanField(default=False)
    month = models.DateField()
    version = models.ForeignKey(
        "surveys.QuestionnaireVersion",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    dimension = models.CharField(max_length=20, blank=True, default="")
    dimension_value = models.CharField(max_length=200, blank=True, default="")
    mask = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "agency",
                    "pooled",
                    "month",
                    "version",
                    "dimension",
                    "dimension_value",
                    "mask",
                ],
                name="mask_count_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month} mask {self.mask}: {self.count}"


class PairCount(ByYear):
    """For one pair of satisfaction items of a questionnaire version (``item_a``
    < ``item_b``): how many responses answered both, were satisfied with the
    first and answered the second, answered the first and were satisfied with
    the second, and were satisfied with both.

    Sums over respondents, so they add up over months and agencies like
    AnswerCount (own and pooled rows, same upkeep: the official sweep adds the
    new responses' pairs, the repair rebuilds them); they give the composite
    indices' standard errors (reports.statistics.composite_variance). Official
    rows only (the dashboards' breakdowns carry no composite interval).
    """

    # No index of their own: the unique index leads with the agency.
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    pooled = models.BooleanField(default=False)
    month = models.DateField()
    version = models.ForeignKey(
        "surveys.QuestionnaireVersion",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    item_a = models.CharField(max_length=10)
    item_b = models.CharField(max_length=10)
    answered = models.PositiveIntegerField()
    a_satisfied = models.PositiveIntegerField()
    b_satisfied = models.PositiveIntegerField()
    both_satisfied = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # The conflict target of the sweep's delta upsert.
            models.UniqueConstraint(
                fields=["agency", "pooled", "month", "version", "item_a", "item_b"],
                name="pair_count_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month} {self.item_a}×{self.item_b}"


class PooledPath(models.Model):
    """The materialised path each agency's pooled aggregates were built with.

    When an agency moves in the tree (admin edit, reference sync, any write),
    its current path differs from this one: its responses still count in the
    pooled rows of its old ancestors until reports.engine.moves re-pools the
    aggregates of every year (a Celery task) and records the new paths.
    """

    agency = models.OneToOneField(
        "agencies.Agency", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    path = models.CharField(max_length=255)

    def __str__(self) -> str:
        return f"{self.agency_id} {self.path}"


class PendingBreakdown(models.Model):
    """A response already counted into the official aggregates whose breakdown
    counts (reports.engine.setup.DIMENSIONS) are still to be added: the queue of the
    breakdown sweep (reports.engine.sweep.sweep_breakdowns).

    The official sweep adds a response here in the transaction that counts it;
    the breakdown sweep removes it in the transaction that adds its breakdown
    counts, so each response is counted into the breakdowns exactly once too.
    """

    response = models.OneToOneField(
        "surveys.Response",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return str(self.response_id)
