"""Administrative units, agencies, service points and procedures.

Codes follow docs/formats.md ("Codes"): units carry their official codes
(province 2 digits, commune 5 digits); agencies `UBND-T33`, `TTHCC-T33`,
`SNV-T33`, `UBND-X12133`, `TTHCC-X12133`. Pre-2025 units and agencies keep
their codes, are marked ended (`valid_until`) and point to their successor.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.text import fold


class ValidityQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> ValidityQuerySet:
        """Rows valid on the given day (today when omitted)."""
        on = on or datetime.date.today()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=on),
            Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        )

    def active_in(self, start: datetime.date, end: datetime.date) -> ValidityQuerySet:
        """Rows valid on at least one day of [start, end]."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=end),
            Q(valid_until__isnull=True) | Q(valid_until__gte=start),
        )


class AdministrativeUnit(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh/thành phố")
        DISTRICT = "district", _("Huyện (trước 2025)")
        COMMUNE = "commune", _("Xã/phường/đặc khu")

    code = models.CharField(_("mã"), max_length=8, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    division_type = models.CharField(_("loại"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province_code = models.CharField(_("mã tỉnh"), max_length=2, db_index=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def is_legacy(self) -> bool:
        return self.valid_until is not None


class Agency(models.Model):
    class Kind(models.TextChoices):
        PEOPLES_COMMITTEE_PROVINCE = "ubnd_tinh", _("UBND cấp tỉnh")
        SERVICE_CENTRE_PROVINCE = (
            "tthcc_tinh",
            _("Trung tâm Phục vụ hành chính công tỉnh"),
        )
        DEPARTMENT = "so", _("Sở, ban, ngành")
        PEOPLES_COMMITTEE_DISTRICT = "ubnd_huyen", _("UBND cấp huyện (trước 2025)")
        PEOPLES_COMMITTEE_COMMUNE = "ubnd_xa", _("UBND cấp xã")
        SERVICE_CENTRE_COMMUNE = "tthcc_xa", _("Trung tâm Phục vụ hành chính công xã")
        OTHER = "khac", _("Cơ quan khác")

    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    name_folded = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("đơn vị hành chính"),
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    # Denormalised from unit for the province filter and scope checks.
    province_code = models.CharField(_("mã tỉnh"), max_length=2, db_index=True)
    # Materialised path of agency ids ("/12/40/41/"): subtree scope and scope
    # checks in one indexed prefix filter instead of a recursive query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan kế thừa"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)
        path = f"{self.parent.path}{self.pk}/" if self.parent_id else f"/{self.pk}/"
        if path != self.path:
            old = self.path
            self.path = path
            super().save(update_fields=["path"])
            if old:
                # Re-root the descendants that hung under the old path.
                for child in Agency.objects.filter(path__startswith=old).exclude(
                    pk=self.pk
                ):
                    child.path = path + child.path[len(old) :]
                    child.save(update_fields=["path"])

    def subtree(self) -> models.QuerySet[Agency]:
        """This agency and every agency under it."""
        return Agency.objects.filter(path__startswith=self.path)

    @property
    def is_legacy(self) -> bool:
        return self.valid_until is not None


class ServicePoint(models.Model):
    class Kind(models.TextChoices):
        ONE_STOP_CENTRE = "centre", _("Trung tâm Phục vụ hành chính công")
        BRANCH = "branch", _("Chi nhánh, điểm tiếp nhận")
        COUNTER = "counter", _("Quầy tiếp nhận")
        KIOSK = "kiosk", _("Ki-ốt")
        ONLINE = "online", _("Cổng dịch vụ công trực tuyến")

    code = models.CharField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_folded = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    # Questionnaire code the QR code opens; exit-dv unless a campaign says otherwise.
    questionnaire_code = models.CharField(
        _("mã bộ câu hỏi"), max_length=20, default="exit-dv"
    )
    kiosk = models.BooleanField(_("chế độ ki-ốt"), default=False)
    kiosk_idle_seconds = models.PositiveIntegerField(
        _("thời gian chờ ki-ốt (giây)"), default=60
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("điểm phục vụ")
        verbose_name_plural = _("điểm phục vụ")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Procedure(models.Model):
    class Level(models.TextChoices):
        CENTRAL = "trung_uong", _("Cấp trung ương")
        PROVINCE = "tinh", _("Cấp tỉnh")
        DISTRICT = "huyen", _("Cấp huyện")
        COMMUNE = "xa", _("Cấp xã")

    code = models.CharField(_("mã TTHC"), max_length=40, unique=True)
    name = models.TextField(_("tên thủ tục"))
    name_folded = models.TextField(editable=False, default="")
    field = models.CharField(_("lĩnh vực"), max_length=200, blank=True)
    # Several levels joined with "|" as the national portal lists them (tinh|xa).
    levels = models.CharField(_("cấp thực hiện"), max_length=60, blank=True)
    competent_authority = models.TextField(_("cơ quan có thẩm quyền"), blank=True)
    decision = models.CharField(_("quyết định công bố"), max_length=255, blank=True)
    official_url = models.URLField(
        _("đường dẫn chính thức"), max_length=500, blank=True
    )
    source = models.TextField(_("nguồn"), blank=True)
    agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("cơ quan giải quyết"),
        blank=True,
        related_name="procedures",
    )
    service_points = models.ManyToManyField(
        ServicePoint,
        verbose_name=_("điểm tiếp nhận"),
        blank=True,
        related_name="procedures",
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def level_list(self) -> list[str]:
        return [level for level in self.levels.split("|") if level]
