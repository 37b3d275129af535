"""seed_demo: realistic demo responses for Hưng Yên, deterministic, stored as usual."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from surveys.models import Answer, Response


def seed(*args: str) -> None:
    call_command("seed_demo", *args, verbosity=0)


def snapshot() -> list[tuple]:
    return sorted(
        Response.objects.values_list(
            "id", "fingerprint", "agency__code", "submitted_at", "comment"
        )
    )


def satisfied(answers) -> float:
    """Percent of answers that are 4 or 5."""
    values = list(answers)
    return 100 * sum(v >= 4 for v in values) / len(values)


@pytest.fixture
def demo_year(reference_data) -> int:
    """2025: the year of the merger, so every branch of the generator is used."""
    seed("--responses", "3000", "--seed", "11", "--year", "2025")
    return 2025


def test_it_stores_the_requested_number_of_demo_responses(reference_data):
    seed("--responses", "250", "--seed", "3")
    assert Response.objects.count() == 250
    assert set(Response.objects.values_list("source", flat=True)) == {"demo"}
    # Every response says something: no empty forms.
    assert Response.objects.filter(answers__isnull=True).count() == 0
    assert not Response.objects.exclude(agency__province_code__in=["33", "34"]).exists()


def test_the_same_seed_gives_the_same_responses(reference_data):
    seed("--responses", "200", "--seed", "5", "--year", "2025")
    first = snapshot()
    answers = sorted(Answer.objects.values_list("response_id", "item_code", "value"))
    Response.objects.all().delete()
    seed("--responses", "200", "--seed", "5", "--year", "2025")
    assert snapshot() == first
    assert (
        sorted(Answer.objects.values_list("response_id", "item_code", "value"))
        == answers
    )


def test_another_seed_gives_other_responses(reference_data):
    seed("--responses", "100", "--seed", "5", "--year", "2025")
    first = {row[0] for row in snapshot()}
    seed("--responses", "100", "--seed", "6", "--year", "2025")
    assert Response.objects.count() == 200
    assert len(first & {row[0] for row in snapshot()}) == 100


def test_if_empty_does_nothing_when_responses_exist(reference_data):
    seed("--responses", "20", "--seed", "1")
    seed("--responses", "500", "--if-empty")
    assert Response.objects.count() == 20


def test_if_empty_seeds_an_empty_database(reference_data):
    seed("--responses", "30", "--if-empty")
    assert Response.objects.count() == 30


def test_responses_of_the_year_fall_inside_it_and_after_each_agency_began(demo_year):
    for response in Response.objects.select_related("agency").filter(
        agency__valid_until__isnull=True
    ):
        day = timezone.localtime(response.submitted_at).date()
        assert day.year == demo_year
        if response.agency.valid_from:
            assert day >= response.agency.valid_from - datetime.timedelta(days=1)


def test_some_responses_before_the_merger_belong_to_former_thai_binh_agencies(
    demo_year,
):
    legacy = Response.objects.filter(agency__valid_until__isnull=False)
    assert legacy.filter(agency__province_code="34").exists()
    assert 0.03 < legacy.count() / Response.objects.count() < 0.15
    latest = max(legacy.values_list("submitted_at", flat=True))
    assert latest.date() < datetime.date(2025, 7, 1)


def test_a_minority_are_household_forms_attached_to_commune_committees(demo_year):
    household = Response.objects.filter(version__questionnaire__code="hh-1001")
    assert 0.05 < household.count() / Response.objects.count() < 0.15
    assert set(household.values_list("agency__kind", flat=True)) == {"ubnd_xa"}
    # Multiple choice N2 stores one row per chosen channel.
    per_response = Counter(
        Answer.objects.filter(item_code="N2").values_list("response_id", flat=True)
    )
    assert max(per_response.values()) > 1


def test_blanks_are_realistic(demo_year):
    exit_forms = Response.objects.filter(version__questionnaire__code="exit-dv")
    codes = defaultdict(set)
    for response_id, code in Answer.objects.filter(response__in=exit_forms).values_list(
        "response_id", "item_code"
    ):
        codes[response_id].add(code)
    only_overall = sum(1 for c in codes.values() if c == {"G"})
    without_e5 = sum(1 for c in codes.values() if not c & {"E5.1", "E5.2", "E5.3"})
    total = exit_forms.count()
    assert 0.01 < only_overall / total < 0.10
    assert without_e5 / total > 0.4  # most people never sent a complaint
    assert any(len(c) < 20 and c != {"G"} for c in codes.values())


def test_satisfaction_varies_by_item_field_and_time(demo_year):
    def values(**filters):
        return Answer.objects.filter(
            response__version__questionnaire__code="exit-dv", **filters
        ).values_list("value", flat=True)

    assert satisfied(values(item_code__startswith="E5")) < satisfied(
        values(item_code__startswith="E3")
    )
    land = values(response__procedure__field="Đất đai", item_code__startswith="E")
    civil = values(response__procedure__field="Hộ tịch", item_code__startswith="E")
    assert satisfied(land) < satisfied(civil)
    spring = values(response__submitted_at__month__lte=4, item_code="G")
    autumn = values(response__submitted_at__month__gte=9, item_code="G")
    assert satisfied(spring) < satisfied(autumn)
    overall = satisfied(values(item_code__startswith="E"))
    assert 70 < overall < 95  # the range provinces report


def test_channels_respondent_groups_and_comments_are_filled_in(demo_year):
    exit_forms = Response.objects.filter(version__questionnaire__code="exit-dv")
    channels = Counter(exit_forms.values_list("channel", flat=True))
    assert channels["truc_tiep"] > channels["truc_tuyen"] > channels["buu_chinh"] > 0
    assert exit_forms.filter(
        channel="truc_tuyen", service_point__kind="online"
    ).exists()
    assert set(exit_forms.values_list("age_group", flat=True)) >= {"18-24", "60+", ""}
    comments = list(exit_forms.exclude(comment="").values_list("comment", flat=True))
    assert 0.1 < len(comments) / exit_forms.count() < 0.3
    assert len(set(comments)) > len(comments) / 3  # varied, not a few repeated
    assert any("hài lòng" in c or "tận tình" in c for c in comments)
    assert any("chậm" in c or "lâu" in c for c in comments)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--province", "99"], "Province 99"),
        (["--province", "abc"], "2-digit"),
        (["--responses", "-1"], "--responses"),
        (["--year", "2999"], "has not started"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(reference_data, args, message):
    with pytest.raises(CommandError, match=message):
        seed(*args)
    assert Response.objects.count() == 0
