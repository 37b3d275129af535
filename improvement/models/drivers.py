"""Key-driver results, written only by improvement.drivers (a Celery task)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DriverRun(models.Model):
    """One key-driver analysis: G on the elements (or items) of one agency,
    scope and period. ``n`` counts complete respondents (every predictor and G
    answered); below drivers_math.MIN_RESPONDENTS no weights are stored."""

    class Level(models.TextChoices):
        ELEMENT = "element", _("Yếu tố")
        ITEM = "item", _("Tiêu chí")

    class Scope(models.TextChoices):
        OWN = "own", _("Riêng cơ quan")
        SUBTREE = "subtree", _("Cơ quan và các đơn vị trực thuộc")

    period = models.CharField(_("kỳ"), max_length=7)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    scope = models.CharField(_("phạm vi"), max_length=8, choices=Scope.choices)
    questionnaire = models.CharField(max_length=20)
    level = models.CharField(_("cấp"), max_length=8, choices=Level.choices)
    n = models.PositiveIntegerField()
    # Empty when n is below the minimum or the data were not estimable.
    r2 = models.FloatField(null=True)
    r2_low = models.FloatField(null=True)
    r2_high = models.FloatField(null=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phân tích động lực hài lòng")
        verbose_name_plural = _("phân tích động lực hài lòng")
        constraints = [
            # Also the index of the drivers page and export: WHERE agency_id = …
            # AND period = … AND scope = … AND questionnaire = ….
            models.UniqueConstraint(
                fields=["agency", "period", "scope", "questionnaire", "level"],
                name="driver_run_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period} {self.scope} {self.level} n={self.n}"

    @property
    def estimated(self) -> bool:
        return self.r2 is not None


class DriverWeight(models.Model):
    """One predictor's importance in a DriverRun (share of R², in percent)."""

    run = models.ForeignKey(DriverRun, on_delete=models.CASCADE, related_name="weights")
    indicator = models.CharField(_("chỉ tiêu"), max_length=12)
    weight = models.FloatField()  # raw relative weight (part of R²)
    share = models.FloatField()  # % of R²
    share_low = models.FloatField()
    share_high = models.FloatField()
    p_value = models.FloatField()  # against a noise predictor, BH-adjusted
    # Beats a pure-noise predictor (false discovery rate 5 %).
    claimed = models.BooleanField(default=False)
    # Claimed and its share's interval lies above an equal share (100 / p).
    key = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("trọng số động lực")
        verbose_name_plural = _("trọng số động lực")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "indicator"], name="driver_weight_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.share:.1f} %"
