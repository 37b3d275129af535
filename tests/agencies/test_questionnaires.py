"""The shipped questionnaires as data: codes, scales, versions that never change."""

import pytest

from surveys.models import Item, Questionnaire, QuestionnaireVersion
from surveys.questionnaire_data import QUESTIONNAIRES
from surveys.reference import load_questionnaires

pytestmark = pytest.mark.django_db

SERVICE_CODES = [
    *[f"E1.{i}" for i in range(1, 5)],
    *[f"E2.{i}" for i in range(1, 5)],
    *[f"E3.{i}" for i in range(1, 6)],
    *[f"E4.{i}" for i in range(1, 4)],
    *[f"E5.{i}" for i in range(1, 4)],
]


def items_of(code: str) -> dict[str, Item]:
    version = Questionnaire.objects.get(code=code).current_version()
    return {item.code: item for item in version.items.all()}


def test_it_publishes_version_one_of_both_questionnaires():
    messages = load_questionnaires()

    assert len(messages) == 2
    for code in ("exit-dv", "hh-1001"):
        version = Questionnaire.objects.get(code=code).current_version()
        assert version.number == 1
        assert version.is_published


def test_the_exit_form_has_the_19_service_items_and_the_overall_item():
    load_questionnaires()
    items = items_of("exit-dv")

    assert list(items) == [*SERVICE_CODES, "G"]
    assert {items[c].element for c in SERVICE_CODES} == {"E1", "E2", "E3", "E4", "E5"}
    assert {items[c].aspect for c in SERVICE_CODES} == {"A_DV"}
    assert items["E3.5"].element == "E3"
    assert (items["G"].element, items["G"].aspect) == ("", "")
    assert all(item.kind == Item.Kind.SAT5 for item in items.values())


def test_the_sat5_scale_is_numbered_from_very_dissatisfied_to_very_satisfied():
    load_questionnaires()
    options = items_of("exit-dv")["E1.1"].options

    assert [o["value"] for o in options] == [1, 2, 3, 4, 5]
    assert options[0]["label"] == "Rất không hài lòng"
    assert options[4]["label"] == "Rất hài lòng"
    assert options[3]["label_en"] == "Satisfied"


def test_the_household_form_has_policy_service_perception_and_expectation_items():
    load_questionnaires()
    items = items_of("hh-1001")

    policy = [code for code, item in items.items() if item.aspect == "A_CS"]
    assert len(policy) == 14
    assert [c for c in items if items[c].aspect == "A_DV"] == SERVICE_CODES
    assert [f"N1.{i}" for i in range(1, 9)] == [c for c in items if c.startswith("N1.")]
    assert items["N2"].kind == Item.Kind.MULTI
    assert len(items["N2"].options) == 7
    assert len(items["N3"].options) == 5
    assert [f"N8.{i}" for i in range(1, 8)] == [c for c in items if c.startswith("N8.")]
    assert [f"M{i}" for i in range(1, 11)] == [c for c in items if c.startswith("M")]
    assert [o["label"] for o in items["M10"].options] == ["Rất nhiều", "Nhiều", "Ít"]
    assert items["N4"].options[0]["label"] == "Không có công chức nào"
    assert "comment" not in items
    assert len(items) == 64


def test_every_item_is_worded_in_both_languages():
    load_questionnaires()

    for item in Item.objects.all():
        assert item.text and item.text_en, item.code
        assert all(o["label"] and o["label_en"] for o in item.options), item.code
    assert "Ông/Bà" in items_of("exit-dv")["E1.1"].text


def test_the_reference_csv_columns_are_items_of_the_questionnaires(shared_dir):
    load_questionnaires()
    header = (shared_dir / "data/reference/responses.csv").open().readline()
    item_columns = set(header.strip().split(",")[15:-1])
    known = set(items_of("exit-dv")) | set(items_of("hh-1001"))

    assert item_columns and item_columns <= known


def test_loading_again_changes_nothing():
    load_questionnaires()
    before = list(Item.objects.values().order_by("pk"))

    assert load_questionnaires() == []
    assert list(Item.objects.values().order_by("pk")) == before
    assert QuestionnaireVersion.objects.count() == 2


def test_a_changed_definition_becomes_version_two_and_leaves_version_one_alone():
    load_questionnaires()
    version_one = list(
        Item.objects.filter(version__questionnaire__code="exit-dv").values()
    )
    changed = {**QUESTIONNAIRES["exit-dv"]}
    changed["items"] = [
        {**item, "text": "Câu hỏi mới"} if item["code"] == "G" else item
        for item in changed["items"]
    ]

    messages = load_questionnaires({"exit-dv": changed})

    assert "version 2" in messages[0]
    questionnaire = Questionnaire.objects.get(code="exit-dv")
    assert questionnaire.current_version().number == 2
    assert questionnaire.current_version().items.get(code="G").text == "Câu hỏi mới"
    assert (
        list(
            Item.objects.filter(
                version__number=1, version__questionnaire=questionnaire
            ).values()
        )
        == version_one
    )
