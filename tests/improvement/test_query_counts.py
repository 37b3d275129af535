"""The improvement pages not pinned elsewhere keep a constant number of queries
(the drivers, actions, action, effects, alerts and targets pages are pinned in
their own tests)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from improvement.models import Action, ProvincialReport


@pytest.fixture
def action(agencies, comments):
    made = Action.objects.create(
        title="Niêm yết lại thủ tục",
        agency=agencies["UBND-X12133"],
        targets=["E2"],
        start_date=datetime.date(2026, 3, 1),
        due_date=datetime.date(2026, 6, 30),
    )
    made.comments.set([comments["commune"]])
    return made


@pytest.fixture
def report(province_analyst, agencies):
    return ProvincialReport.objects.create(
        user=province_analyst, agency=agencies["UBND-T33"], period="2026"
    )


@pytest.mark.parametrize(
    "name, queries",
    [
        ("new", 11),
        ("edit", 12),
        ("report", 4),
        ("status", 4),
    ],
)
def test_the_page_keeps_its_query_count(
    client, province_analyst, action, report, django_assert_num_queries, name, queries
):
    url = {
        "new": reverse("improvement:action_new") + "?agency=UBND-X12133",
        "edit": reverse("improvement:action_edit", args=[action.pk]),
        "report": reverse("improvement:provincial_report", args=[report.pk]),
        "status": reverse("improvement:provincial_report_status", args=[report.pk]),
    }[name]
    client.force_login(province_analyst)
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
