"""Admin forms for issuing invitations; validation only, `services` does the work."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Procedure, ServicePoint
from invitations import services
from invitations.models import Invitation

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _autocomplete(field_name: str) -> AutocompleteSelect:
    # The admin's own autocomplete (Agency/Procedure/ServicePoint admins search
    # by code and by name without diacritics): a select of ~7,000 agencies or
    # 265+ procedures would be unusable.
    return AutocompleteSelect(Invitation._meta.get_field(field_name), admin.site)


class ExpiryField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            label=_("Hiệu lực (ngày)"),
            min_value=1,
            max_value=services.MAX_EXPIRES_DAYS,
            initial=services.DEFAULT_EXPIRES_DAYS,
            help_text=_("Sau số ngày này, đường dẫn hết hạn."),
            **kwargs,
        )


class InvitationForm(forms.Form):
    dossier_code = forms.CharField(
        label=_("Mã hồ sơ"),
        max_length=64,
        help_text=_(
            "Ví dụ 000.00.53.H48-220921-0099. Chỉ lưu dạng băm, không lưu mã gốc."
        ),
    )
    agency = forms.ModelChoiceField(
        label=_("Cơ quan"),
        queryset=Agency.objects.none(),
        widget=_autocomplete("agency"),
    )
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục"),
        queryset=Procedure.objects.all(),
        required=False,
        widget=_autocomplete("procedure"),
        help_text=_("Để trống nếu người dân tự chọn thủ tục."),
    )
    service_point = forms.ModelChoiceField(
        label=_("Điểm phục vụ"),
        queryset=ServicePoint.objects.all(),
        required=False,
        widget=_autocomplete("service_point"),
    )
    expires_days = ExpiryField()

    def __init__(self, *args, agencies: QuerySet[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only agencies the staff member may see; others read as "not a valid choice".
        self.fields["agency"].queryset = agencies

    def clean_dossier_code(self) -> str:
        return services.check_dossier_code(self.cleaned_data["dossier_code"])

    def clean(self) -> dict:
        data = super().clean()
        point, agency = data.get("service_point"), data.get("agency")
        if point is not None and agency is not None and point.agency_id != agency.pk:
            self.add_error(
                "service_point", _("Điểm phục vụ này không thuộc cơ quan đã chọn.")
            )
        return data


class InvitationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp CSV"),
        help_text=_(
            "UTF-8, phân cách bằng dấu phẩy, dòng đầu là tiêu đề: dossier_code, agency "
            "(bắt buộc); procedure, service_point (không bắt buộc)."
        ),
    )
    expires_days = ExpiryField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("Tệp lớn quá %(max)s MB.") % {"max": MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        return upload
