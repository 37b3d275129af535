"""Staff pages for paper questionnaires under /paper/: batches, printing,
keyboard entry, double-entry comparison and committing.

Every page starts from the staff member's scope (`staff.scope`): a batch of an
agency outside it is "not found"; viewers (who only read) get 403.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from api import paper
from api.models import PaperBatch
from staff.scope import require_profile, visible_agencies
from surveys.models import QuestionnaireVersion


def _editor(request: HttpRequest):
    profile = require_profile(request.user)
    if not profile.can_edit:
        raise PermissionDenied(_("Tài khoản chỉ được xem."))
    return profile


def _batch(request: HttpRequest, pk: int) -> PaperBatch:
    _editor(request)
    return get_object_or_404(
        PaperBatch.objects.filter(
            agency__in=visible_agencies(request.user)
        ).select_related("agency", "version__questionnaire"),
        pk=pk,
    )


class _PlaceForm(forms.Form):
    agency = forms.CharField(label=gettext_lazy("Mã cơ quan"), max_length=32)
    version = forms.ModelChoiceField(
        label=gettext_lazy("Bộ câu hỏi"),
        queryset=QuestionnaireVersion.objects.filter(
            published_at__isnull=False
        ).select_related("questionnaire"),
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_agency(self):
        code = self.cleaned_data["agency"].strip().upper()
        agency = visible_agencies(self.user).filter(code=code).first()
        if agency is None:
            raise forms.ValidationError(
                _("Không có cơ quan mã %(code)s trong phạm vi của bạn.")
                % {"code": code}
            )
        return agency


class BatchForm(_PlaceForm):
    label = forms.CharField(label=gettext_lazy("Tên lô"), max_length=100)
    double_entry = forms.BooleanField(
        label=gettext_lazy("Nhập hai lần (người thứ hai nhập lại để đối chiếu)"),
        required=False,
    )


class PrintForm(_PlaceForm):
    first = forms.IntegerField(
        label=gettext_lazy("Từ số phiếu"), min_value=1, initial=1
    )
    count = forms.IntegerField(
        label=gettext_lazy("Số phiếu"),
        min_value=1,
        max_value=paper.MAX_PRINT,
        initial=50,
    )


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """The batches in scope, a new batch, and printing forms."""
    _editor(request)
    form = BatchForm(request.user, request.POST or None, prefix="batch")
    if request.method == "POST" and form.is_valid():
        batch = PaperBatch.objects.create(
            agency=form.cleaned_data["agency"],
            version=form.cleaned_data["version"],
            label=form.cleaned_data["label"],
            double_entry=form.cleaned_data["double_entry"],
            created_by=request.user,
        )
        return redirect("paper:entry", pk=batch.pk)
    batches = PaperBatch.objects.filter(
        agency__in=visible_agencies(request.user)
    ).select_related("agency", "version__questionnaire")[:100]
    context = {
        "form": form,
        "print_form": PrintForm(request.user, prefix="print"),
        "batches": batches,
    }
    return render(request, "api/paper_index.html", context)


@login_required
@require_http_methods(["GET"])
def print_forms(request: HttpRequest) -> HttpResponse:
    """The PDF of `count` numbered forms of an agency and version."""
    _editor(request)
    form = PrintForm(request.user, request.GET or None, prefix="print")
    if not form.is_valid():
        return render(
            request,
            "api/paper_index.html",
            {"form": BatchForm(request.user, prefix="batch"), "print_form": form},
            status=400 if request.GET else 200,
        )
    agency, version = form.cleaned_data["agency"], form.cleaned_data["version"]
    numbers = paper.serials(
        agency, form.cleaned_data["first"], form.cleaned_data["count"]
    )
    response = HttpResponse(
        paper.paper_pdf(version, agency, numbers), content_type="application/pdf"
    )
    name = f"phieu-{version.questionnaire.code}-{agency.code}-{numbers[0]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Keyboard-first entry of one form after another (round 2: `?lan=2`)."""
    batch = _batch(request, pk)
    round = 2 if batch.double_entry and request.GET.get("lan") == "2" else 1
    form = paper.PaperEntryForm(batch=batch, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = paper.save_entry(batch, form, clerk=request.user, round=round)
        except ValueError as exc:
            form.add_error("serial", str(exc))
        else:
            messages.success(
                request, _("Đã lưu phiếu số %(serial)s.") % {"serial": saved.serial}
            )
            return redirect(request.get_full_path())
    entries = batch.entries.filter(round=round).order_by("-keyed_at")
    context = {
        "batch": batch,
        "form": form,
        "round": round,
        "entries": entries[:200],
        "count": entries.count(),
        "rows": _rows(form),
    }
    return render(request, "api/paper_entry.html", context)


def _rows(form: paper.PaperEntryForm) -> list[dict]:
    """One keyboard field per row: its name, label, keys and what was typed."""
    from surveys.models import RESPONDENT_FIELDS, Channel

    rows = [
        {
            "name": "channel",
            "label": _("Kênh nộp hồ sơ"),
            "keys": "123",
            "legend": [
                f"{k} {label}" for k, (_v, label) in enumerate(Channel.choices, 1)
            ],
        }
    ]
    number = 0
    for item in form.items:
        if item.code not in form.fields:
            continue
        number += 1
        rows.append(
            {
                "name": item.code,
                "label": f"{number}. {item.localized_text()}",
                "keys": "".join(str(v) for v in sorted(item.option_values)),
                "multi": item.kind == "multi",
                "legend": [f"{v} {label}" for v, label in item.localized_options()],
            }
        )
    for name, choices in RESPONDENT_FIELDS.items():
        rows.append(
            {
                "name": name,
                "label": form.fields[name].label,
                "keys": "".join(str(k) for k in range(1, len(choices.choices) + 1)),
                "legend": [
                    f"{k} {label}" for k, (_v, label) in enumerate(choices.choices, 1)
                ],
            }
        )
    for row in rows:
        row["value"] = form.keyed_value(row["name"])
        row["errors"] = form.errors.get(row["name"], [])
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Serials whose two entries differ, side by side; POST settles one."""
    batch = _batch(request, pk)
    if not batch.double_entry:
        raise Http404("Lô này không nhập hai lần.")
    if request.method == "POST":
        serial = request.POST.get("serial", "")
        choices = {
            key.removeprefix("f:"): int(value)
            for key, value in request.POST.items()
            if key.startswith("f:") and value in ("1", "2")
        }
        try:
            paper.resolve(batch, serial, choices)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Đã thống nhất phiếu %(serial)s.") % {"serial": serial}
            )
        return redirect("paper:compare", pk=batch.pk)
    mismatches, missing = paper.compare(batch)
    context = {"batch": batch, "mismatches": mismatches, "missing": missing}
    return render(request, "api/paper_compare.html", context)


@login_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Count the batch: its responses are stored (source `paper`)."""
    batch = _batch(request, pk)
    try:
        stored = paper.commit_batch(batch)
    except ValueError as exc:
        messages.error(request, str(exc))
        if batch.double_entry:
            return redirect("paper:compare", pk=batch.pk)
    else:
        messages.success(
            request, _("Đã tính %(count)s phiếu của lô.") % {"count": stored}
        )
    return redirect("paper:entry", pk=batch.pk)
