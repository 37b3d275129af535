"""Forms of the improvement pages: they validate; improvement.actions acts."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from dashboard.services import assignable_users
from surveys.metadata import QUESTIONNAIRE_ELEMENTS, element_label
from surveys.models import Response
from surveys.queries import item_labels

RECENT_COMMENTS = 30  # comments offered for linking on the form


def target_choices() -> list[tuple[str, str]]:
    """Elements, then their items, of the exit form (one query)."""
    labels = item_labels("exit-dv")
    choices = []
    for element in QUESTIONNAIRE_ELEMENTS["exit-dv"]:
        choices.append((element, f"{element} {element_label(element)}"))
        items = sorted(
            (code for code in labels if code.startswith(element + ".")),
            key=lambda c: [int(x) for x in c[1:].split(".")],
        )
        choices += [(code, f"{code} {labels[code]}") for code in items]
    return choices


def comment_queryset(visible: QuerySet[Agency], agency: Agency) -> QuerySet[Response]:
    """Commented responses of the agency's subtree that the user may see."""
    return (
        Response.objects.filter(
            agency__in=visible.filter(path__startswith=agency.path),
            flagged=False,
        )
        .exclude(comment="")
        .select_related("agency")
        .order_by("-submitted_at")
    )


class CommentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Response) -> str:
        day = obj.submitted_at.date().isoformat()
        return f"{day} · {obj.agency.name}: {obj.comment[:200]}"


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Tên giải pháp"), max_length=200)
    description = forms.CharField(
        label=_("Nội dung"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    targets = forms.MultipleChoiceField(
        label=_("Yếu tố, tiêu chí hướng tới"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    comments = CommentChoiceField(
        label=_("Ý kiến người dân liên quan"),
        queryset=Response.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    owner = forms.ModelChoiceField(
        label=_("Người phụ trách"),
        queryset=get_user_model().objects.none(),
        required=False,
    )
    start_date = forms.DateField(
        label=_("Ngày bắt đầu"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    due_date = forms.DateField(
        label=_("Hạn hoàn thành"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args,
        agency: Agency,
        comments: QuerySet[Response],
        preselected: list[str] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = target_choices()
        if self.is_bound:
            # Any comment of the subtree in scope may be linked.
            self.fields["comments"].queryset = comments
        else:
            # Offer the newest ones and those asked for in the URL.
            recent = list(comments.values_list("pk", flat=True)[:RECENT_COMMENTS])
            valid = [p for p in preselected if _is_uuid(p)]
            self.fields["comments"].queryset = comments.filter(pk__in=recent + valid)
        owners = [user.pk for user in assignable_users(agency)]
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=owners).order_by("username")
        )

    def clean(self):
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error("due_date", _("Hạn hoàn thành phải sau ngày bắt đầu."))
        return data


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Ghi chú tiến độ"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Tệp minh chứng"))


class TargetForm(forms.Form):
    province_code = forms.RegexField(label=_("Mã tỉnh"), regex=r"^\d{2}$", max_length=2)
    year = forms.IntegerField(label=_("Năm"), min_value=2017, max_value=2100)
    indicator = forms.ChoiceField(label=_("Chỉ tiêu"))
    agency_kind = forms.ChoiceField(label=_("Áp dụng cho loại cơ quan"), required=False)
    agency_code = forms.CharField(
        label=_("hoặc cho một cơ quan (mã)"), max_length=32, required=False
    )
    value = forms.FloatField(label=_("Mục tiêu (%)"), min_value=0, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [
            ("A_DV", _("Chỉ số hài lòng về dịch vụ hành chính công (A_DV)"))
        ] + [(e, f"{e} {element_label(e)}") for e in QUESTIONNAIRE_ELEMENTS["exit-dv"]]
        self.fields["agency_kind"].choices = [("", _("Mọi cơ quan của tỉnh"))] + list(
            Agency.Kind.choices
        )
