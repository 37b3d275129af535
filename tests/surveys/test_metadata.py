"""Questionnaire metadata that dashboards read (surveys/metadata.py): no database."""

import doctest

from django.utils import translation

from reports.indices import SIPAS_1001
from surveys import metadata


def test_the_doctest_examples_hold():
    assert doctest.testmod(metadata).failed == 0


def test_each_questionnaire_lists_the_elements_its_methodology_knows():
    assert metadata.QUESTIONNAIRE_ELEMENTS["exit-dv"] == ["E1", "E2", "E3", "E4", "E5"]
    assert metadata.QUESTIONNAIRE_ELEMENTS["hh-1001"][:4] == ["P1", "P2", "P3", "P4"]
    for code, elements in metadata.QUESTIONNAIRE_ELEMENTS.items():
        assert metadata.METHODOLOGY[code] == SIPAS_1001.code
        assert set(elements) <= set(SIPAS_1001.elements)


def test_labels_follow_the_active_language():
    with translation.override("en"):
        assert metadata.element_label("E1") == "Access to the service"
        assert metadata.sat5_labels()[-1] == "Very satisfied"
        assert metadata.respondent_value_label("gender", "nu") == "Female"
    assert metadata.respondent_value_label("gender", "nu") == "Nữ"
    assert metadata.respondent_value_label("gender", "?") == "?"
    assert metadata.element_label("X9") == "X9"
