"""Questionnaires, their immutable versions and items, and citizens' responses.

A response is pinned to the questionnaire version it was answered on; its answers
are rows of (item code, option number). No personal data is stored here: the
respondent columns are coarse groups the citizen may leave empty.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sipas.formats.sipas_csv import RESPONDENT_COLUMNS
from surveys.partitions import AnswerQuerySet, fill_years


class Questionnaire(models.Model):
    code = models.SlugField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    methodology = models.CharField(
        _("phương pháp"), max_length=20, default="sipas-1001"
    )

    class Meta:
        verbose_name = _("bộ câu hỏi")
        verbose_name_plural = _("bộ câu hỏi")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def current_version(self) -> QuestionnaireVersion | None:
        """The newest published version, the one new responses are pinned to."""
        return (
            self.versions.filter(published_at__isnull=False).order_by("-number").first()
        )


class QuestionnaireVersion(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("bộ câu hỏi"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    title = models.CharField(_("tiêu đề"), max_length=255)
    title_en = models.CharField(_("tiêu đề tiếng Anh"), max_length=255, blank=True)
    intro = models.TextField(_("lời giới thiệu"), blank=True)
    intro_en = models.TextField(_("lời giới thiệu tiếng Anh"), blank=True)
    # Once set, the version and its items are immutable (enforced in save and admin).
    published_at = models.DateTimeField(_("ngày công bố"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên bản bộ câu hỏi")
        verbose_name_plural = _("phiên bản bộ câu hỏi")
        ordering = ["questionnaire", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="questionnaire_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def publish(self) -> None:
        self.published_at = timezone.now()
        self.save(update_fields=["published_at"])


class Item(models.Model):
    class Kind(models.TextChoices):
        SAT5 = "sat5", _("Thang hài lòng 5 mức")
        SINGLE = "single", _("Chọn một")
        MULTI = "multi", _("Chọn nhiều")
        TEXT = "text", _("Văn bản")

    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("phiên bản"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    code = models.CharField(_("mã câu hỏi"), max_length=10)
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    # Grouping for the index engine: E1 … E5 / P1 … P4 and A_DV / A_CS; blank for
    # items outside the satisfaction aspects (G, N*, M*).
    element = models.CharField(_("yếu tố"), max_length=10, blank=True)
    aspect = models.CharField(_("khía cạnh"), max_length=10, blank=True)
    # Section heading shown to the citizen ("Tiếp cận dịch vụ").
    section = models.CharField(_("phần"), max_length=255, blank=True)
    section_en = models.CharField(_("phần (tiếng Anh)"), max_length=255, blank=True)
    text = models.TextField(_("nội dung"))
    text_en = models.TextField(_("nội dung tiếng Anh"), blank=True)
    # [{"value": 1, "label": "…", "label_en": "…"}, …] numbered from 1 in the
    # order of the official form (docs/formats.md, "sipas-csv").
    options = models.JSONField(_("phương án"), default=list, blank=True)
    required = models.BooleanField(_("bắt buộc"), default=False)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="item_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"

    def localized_text(self) -> str:
        return self.text_en if get_language() == "en" and self.text_en else self.text

    def localized_options(self) -> list[tuple[int, str]]:
        english = get_language() == "en"
        return [
            (
                o["value"],
                o.get("label_en") if english and o.get("label_en") else o["label"],
            )
            for o in self.options
        ]

    @cached_property
    def option_values(self) -> frozenset[int]:
        # Items of a published version never change; a draft version's items are
        # fetched anew for every form (surveys.services.items_of).
        return frozenset(o["value"] for o in self.options)


class Channel(models.TextChoices):
    IN_PERSON = "truc_tiep", _("Trực tiếp tại Bộ phận Một cửa")
    ONLINE = "truc_tuyen", _("Trực tuyến")
    POST = "buu_chinh", _("Dịch vụ bưu chính công ích")


class Gender(models.TextChoices):
    MALE = "nam", _("Nam")
    FEMALE = "nu", _("Nữ")


class AgeGroup(models.TextChoices):
    A18_24 = "18-24", _("18–24")
    A25_34 = "25-34", _("25–34")
    A35_49 = "35-49", _("35–49")
    A50_60 = "50-60", _("50–60")
    A60 = "60+", _("Trên 60")


class Ethnicity(models.TextChoices):
    KINH = "kinh", _("Kinh")
    OTHER = "khac", _("Dân tộc khác")


class Education(models.TextChoices):
    PRIMARY = "tieu_hoc", _("Tiểu học")
    LOWER_SECONDARY = "thcs", _("Trung học cơ sở")
    UPPER_SECONDARY = "thpt", _("Trung học phổ thông")
    VOCATIONAL = "trung_cap_cao_dang", _("Trung cấp/Cao đẳng/dạy nghề")
    UNIVERSITY = "dai_hoc", _("Đại học trở lên")
    OTHER = "khac", _("Khác")


class Occupation(models.TextChoices):
    RETIRED = "nghi_huu", _("Nghỉ hưu")
    NOT_WORKING = "khong_di_lam", _("Không đi làm")
    SELF_EMPLOYED = "tu_do", _("Làm tự do")
    STUDENT = "sinh_vien", _("Sinh viên")
    PRIVATE = "khu_vuc_tu", _("Khu vực tư")
    PUBLIC = "khu_vuc_cong", _("Khu vực công")
    OTHER = "khac", _("Khác")


class Area(models.TextChoices):
    URBAN = "do_thi", _("Đô thị")
    RURAL = "nong_thon", _("Nông thôn")


class Terrain(models.TextChoices):
    MOUNTAIN = "mien_nui", _("Miền núi")
    PLAIN = "dong_bang", _("Đồng bằng")
    ISLAND = "hai_dao", _("Hải đảo")


# The respondent columns as sipas-csv names them, each with its choices.
RESPONDENT_FIELDS = dict(
    zip(
        RESPONDENT_COLUMNS,
        (Gender, AgeGroup, Ethnicity, Education, Occupation, Area, Terrain),
        strict=True,
    )
)
# What the form asks and the dashboards' breakdowns are headed with.
RESPONDENT_LABELS = {
    "gender": _("Giới tính"),
    "age_group": _("Độ tuổi"),
    "ethnicity": _("Dân tộc"),
    "education": _("Trình độ học vấn"),
    "occupation": _("Nghề nghiệp"),
    "area": _("Nơi sống"),
    "terrain": _("Địa hình nơi sống"),
}


class Response(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("Biểu mẫu trực tuyến (QR)")
        KIOSK = "kiosk", _("Ki-ốt")
        INVITATION = "invitation", _("Lời mời")
        IMPORT = "import", _("Nhập từ tệp")
        PAPER = "paper", _("Phiếu giấy")
        DEMO = "demo", _("Dữ liệu mẫu")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of their own: response_version_time and response_agency_time
    # begin with them (every index is written again when the engine marks a
    # response counted, so a citizen's response pays for each one).
    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("phiên bản bộ câu hỏi"),
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,
    )
    submitted_at = models.DateTimeField(_("thời điểm gửi"))
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="responses",
        db_index=False,
    )
    service_point = models.ForeignKey(
        "agencies.ServicePoint",
        verbose_name=_("điểm phục vụ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    procedure = models.ForeignKey(
        "agencies.Procedure",
        verbose_name=_("thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    channel = models.CharField(
        _("kênh"), max_length=12, choices=Channel.choices, blank=True
    )
    gender = models.CharField(
        _("giới tính"), max_length=4, choices=Gender.choices, blank=True
    )
    age_group = models.CharField(
        _("độ tuổi"), max_length=6, choices=AgeGroup.choices, blank=True
    )
    ethnicity = models.CharField(
        _("dân tộc"), max_length=4, choices=Ethnicity.choices, blank=True
    )
    education = models.CharField(
        _("trình độ học vấn"), max_length=20, choices=Education.choices, blank=True
    )
    occupation = models.CharField(
        _("nghề nghiệp"), max_length=14, choices=Occupation.choices, blank=True
    )
    area = models.CharField(
        _("nơi sống"), max_length=10, choices=Area.choices, blank=True
    )
    terrain = models.CharField(
        _("địa hình"), max_length=10, choices=Terrain.choices, blank=True
    )
    comment = models.TextField(_("ý kiến khác"), blank=True)
    source = models.CharField(_("nguồn"), max_length=12, choices=Source.choices)
    # Flagged responses (too fast, suspicious) stay out of the indices until accepted.
    flagged = models.BooleanField(_("bị gắn cờ"), default=False)
    flag_reason = models.CharField(_("lý do gắn cờ"), max_length=100, blank=True)
    # One per rendered form: a double click or a resubmit stores one response
    # (unique by the constraint response_idempotency_key, which, unlike
    # unique=True, adds no second index for LIKE queries nobody makes).
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    # sha256 of the response's content: the same response_id with other content is
    # refused.
    fingerprint = models.CharField(max_length=64, blank=True)
    # Whether the index engine's aggregates include this response. Stored False;
    # the sweep adds the counts of uncounted, unflagged responses and sets it in
    # the same transaction, so every response is counted exactly once.
    counted = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("phiếu trả lời")
        verbose_name_plural = _("phiếu trả lời")
        indexes = [
            # Exports of a period per agency: WHERE agency_id = …
            # AND submitted_at BETWEEN …
            models.Index(
                fields=["agency", "submitted_at"], name="response_agency_time"
            ),
            # Period exports across agencies: WHERE version_id IN … AND submitted_at …
            models.Index(
                fields=["version", "submitted_at"], name="response_version_time"
            ),
            # Staff review queue: WHERE flagged ORDER BY submitted_at.
            models.Index(
                fields=["submitted_at"],
                name="response_flagged_time",
                condition=models.Q(flagged=True),
            ),
            # The engine's queue: WHERE NOT counted AND NOT flagged.
            models.Index(
                fields=["submitted_at"],
                name="response_uncounted",
                condition=models.Q(counted=False, flagged=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="response_idempotency_key"
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class Answer(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    # The local year of the response's submitted_at: the partition key of the
    # table on PostgreSQL (surveys.partitions), where the primary key is
    # (id, year); ids come from one sequence and stay unique. Filled from the
    # response when left empty (save, bulk_create).
    year = models.SmallIntegerField(_("năm"), editable=False)
    item_code = models.CharField(max_length=10)
    # The option's number on the item's scale; a multiple-choice item has one row
    # per option.
    value = models.PositiveSmallIntegerField()

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        # Loading the answers of one response (exports, detail): WHERE response_id = …
        # is served by the foreign-key index Django creates (a partitioned index
        # on PostgreSQL; add `year` to the filter to read one partition).

    def __str__(self) -> str:
        return f"{self.item_code}={self.value}"

    def save(self, *args, **kwargs) -> None:
        fill_years([self])
        super().save(*args, **kwargs)


class ReplyContact(models.Model):
    """A phone number or e-mail address a citizen left to get a reply to a comment.

    Kept apart from the answers on purpose: the response row holds nothing that
    identifies anyone, and this row is deleted once staff have handled it or when
    `delete_after` has passed (`surveys.services.purge_reply_contacts`, nightly).
    Only staff of the response's agency may see it (the dashboards filter by
    `agency`).
    """

    class Kind(models.TextChoices):
        PHONE = "phone", _("Số điện thoại")
        EMAIL = "email", _("Thư điện tử")

    response = models.OneToOneField(
        Response,
        verbose_name=_("phiếu trả lời"),
        on_delete=models.CASCADE,
        related_name="reply_contact",
    )
    # Denormalised from response.agency so that a staff member's list is one indexed
    # filter on their agencies, without touching the (very large) response table.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.CASCADE,
        related_name="reply_contacts",
    )
    kind = models.CharField(_("loại"), max_length=5, choices=Kind.choices)
    value = models.CharField(_("liên hệ"), max_length=254)
    created_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now)
    handled_at = models.DateTimeField(_("thời điểm xử lý xong"), null=True, blank=True)
    delete_after = models.DateField(_("xoá sau ngày"))

    class Meta:
        verbose_name = _("liên hệ để trả lời")
        verbose_name_plural = _("liên hệ để trả lời")
        ordering = ["-created_at"]
        indexes = [
            # Staff list of open requests: WHERE agency_id IN … AND handled_at IS NULL
            # ORDER BY created_at DESC.
            models.Index(
                fields=["agency", "created_at"], name="replycontact_agency_time"
            ),
            # Nightly purge: WHERE delete_after < today OR handled_at IS NOT NULL.
            models.Index(fields=["delete_after"], name="replycontact_delete_after"),
            models.Index(
                fields=["handled_at"],
                name="replycontact_handled",
                condition=models.Q(handled_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.response_id})"


class PurgedYear(models.Model):
    """A year whose raw responses and answers were purged (manage.py
    purge_responses); its published indices and aggregates stay. The repair
    (reports.engine.aggregates.rebuild_aggregates) refuses such a year: it would
    rebuild the aggregates from answers that are gone."""

    year = models.PositiveSmallIntegerField(_("năm"), primary_key=True)
    purged_at = models.DateTimeField(_("thời điểm xoá"), default=timezone.now)
    responses = models.PositiveIntegerField(_("số phiếu đã xoá"))
    answers = models.BigIntegerField(_("số câu trả lời đã xoá"))

    class Meta:
        verbose_name = _("năm đã xoá dữ liệu thô")
        verbose_name_plural = _("năm đã xoá dữ liệu thô")

    def __str__(self) -> str:
        return str(self.year)
