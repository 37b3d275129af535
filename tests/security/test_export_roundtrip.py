"""Neutralised exports import back unchanged (the shipped exit-dv questionnaire)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sipas.formats.sipas_csv import neutralise_text, restore_text
from surveys.importing import import_responses
from surveys.models import Response
from tests.reliability.engine import store_random_responses

COMMENTS = [
    "=1+1",
    "+84912345678",
    "-",
    "@x",
    "'=already quoted",
    "'",
    "bình thường",
    "Tot;=1+1;=HYPERLINK(A1)",
    "a; '=b",
]


@pytest.mark.django_db
def test_an_exported_file_imports_back_with_the_comments_unchanged(
    tmp_path, centre, exit_version
):
    store_random_responses(exit_version, centre.pk, len(COMMENTS), comments=COMMENTS)
    out = tmp_path / "responses.csv"
    call_command("export_responses", str(out), questionnaire="exit-dv")
    assert "'=1+1" in out.read_text(encoding="utf-8")
    report = import_responses(out)
    # Same ids, same content: every row is recognised as already stored.
    assert (report.stored, report.skipped) == (0, len(COMMENTS))
    assert sorted(Response.objects.values_list("comment", flat=True)) == sorted(
        COMMENTS
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.sampled_from("=+-@'\t\r\n,;| ax"), max_size=30))
def test_neutralising_is_undone_exactly_and_inert_whatever_the_separator(text):
    written = neutralise_text(text)
    assert restore_text(written) == text
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    for cell in re.split(r"[,;|\t\r\n]", written):
        assert not cell.lstrip(" ").startswith(("=", "+", "-", "@")), written


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=30))
def test_neutralising_any_text_is_undone_exactly(text):
    assert restore_text(neutralise_text(text)) == text
