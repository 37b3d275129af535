"""The admin of units, agencies, service points and procedures, as staff use it."""

import pytest
from django.contrib import admin
from django.urls import reverse

from agencies.models import AdministrativeUnit, Agency, Procedure, ServicePoint
from agencies.text import fold


def changelist(model) -> str:
    return reverse(f"admin:agencies_{model._meta.model_name}_changelist")


def listed_codes(response) -> set[str]:
    """Codes of every row the filtered change list holds, over all its pages."""
    return set(response.context["cl"].queryset.values_list("code", flat=True))


MODELS = [AdministrativeUnit, Agency, ServicePoint, Procedure]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_loads_with_a_bounded_number_of_queries(
    admin_client, reference_data, model, django_assert_max_num_queries
):
    # 50 rows a page: a query per row would blow far past this bound.
    with django_assert_max_num_queries(15):
        response = admin_client.get(changelist(model))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) > 0


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_change_page_loads(
    admin_client, reference_data, model, django_assert_max_num_queries
):
    obj = model.objects.order_by("-pk").first()
    url = reverse(f"admin:agencies_{model._meta.model_name}_change", args=[obj.pk])
    # Autocomplete widgets render only the chosen rows, never all 3,321 communes.
    with django_assert_max_num_queries(20):
        response = admin_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_add_page_loads(admin_client, db, model):
    url = reverse(f"admin:agencies_{model._meta.model_name}_add")
    assert admin_client.get(url).status_code == 200


def test_foreign_keys_to_big_tables_use_autocomplete_widgets():
    assert set(admin.site._registry[Agency].autocomplete_fields) == {
        "parent",
        "unit",
        "successor",
    }
    assert admin.site._registry[ServicePoint].autocomplete_fields == ["agency"]
    assert set(admin.site._registry[AdministrativeUnit].autocomplete_fields) == {
        "parent",
        "successor",
    }


def test_search_without_diacritics_finds_ha_noi(admin_client, ha_noi):
    response = admin_client.get(changelist(AdministrativeUnit), {"q": "ha noi"})
    assert listed_codes(response) == {"01"}


def test_search_without_diacritics_finds_hung_yen_agencies(
    admin_client, reference_data
):
    response = admin_client.get(changelist(Agency), {"q": "hung yen"})
    assert {"UBND-T33", "TTHCC-T33"} <= listed_codes(response)
    # Like Django's own search, every word must occur: exactly the agencies whose
    # folded name holds both "hung" and "yen".
    expected = [
        a
        for a in Agency.objects.all()
        if "hung" in fold(a.name) and "yen" in fold(a.name)
    ]
    assert response.context["cl"].result_count == len(expected)


def test_search_with_diacritics_and_by_code_still_work(admin_client, reference_data):
    by_name = admin_client.get(changelist(Agency), {"q": "Hưng Yên"})
    assert "UBND-T33" in listed_codes(by_name)
    by_code = admin_client.get(changelist(Agency), {"q": "TTHCC-T33"})
    assert listed_codes(by_code) == {"TTHCC-T33"}


def test_search_in_capitals_without_diacritics_finds_thai_binh(
    admin_client, reference_data
):
    response = admin_client.get(changelist(Agency), {"q": "THAI BINH"})
    assert "UBND-T34" in listed_codes(response)


def test_autocomplete_folds_diacritics_too(admin_client, reference_data):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "agencies",
            "model_name": "agency",
            "field_name": "parent",
            "term": "uy ban nhan dan tinh hung yen",
        },
    )
    assert response.status_code == 200
    assert any("UBND-T33" in r["text"] for r in response.json()["results"])


def test_province_filter_lists_the_province_by_name_and_filters_by_code(
    admin_client, reference_data, ha_noi_committee
):
    response = admin_client.get(changelist(Agency), {"province": "01"})
    assert listed_codes(response) == {"UBND-T01"}
    page = response.content.decode()
    assert "33 – Tỉnh Hưng Yên" in page or "33 – Hưng Yên" in page


def test_province_filter_reaches_service_points_through_their_agency(
    admin_client, reference_data, ha_noi_committee
):
    ServicePoint.objects.create(
        code="TTHCC-T01",
        name="Trung tâm Hà Nội",
        kind="centre",
        agency=ha_noi_committee,
    )
    response = admin_client.get(changelist(ServicePoint), {"province": "01"})
    assert listed_codes(response) == {"TTHCC-T01"}


def test_kind_filter(admin_client, reference_data):
    response = admin_client.get(changelist(Agency), {"kind__exact": "so"})
    assert "SNV-T33" in listed_codes(response)
    assert all(a.kind == "so" for a in response.context["cl"].result_list)


def test_validity_filter_separates_ended_agencies(admin_client, reference_data):
    ended = admin_client.get(changelist(Agency), {"validity": "ended", "q": "UBND-T3"})
    assert "UBND-T34" in listed_codes(ended)
    assert "UBND-T33" not in listed_codes(ended)
    active = admin_client.get(
        changelist(Agency), {"validity": "active", "q": "UBND-T3"}
    )
    assert "UBND-T33" in listed_codes(active)
    assert "UBND-T34" not in listed_codes(active)


def test_active_in_period_filter_shows_what_existed_then(admin_client, reference_data):
    before = admin_client.get(changelist(Agency), {"active_in": "2024", "q": "UBND-T3"})
    assert {"UBND-T33", "UBND-T34"} <= listed_codes(before)
    after = admin_client.get(
        changelist(Agency), {"active_in": "2026-Q3", "q": "UBND-T3"}
    )
    assert "UBND-T34" not in listed_codes(after)
    assert "UBND-T33" in listed_codes(after)
    ranged = admin_client.get(
        changelist(AdministrativeUnit), {"active_in": "2025-07-01..2025-12-31"}
    )
    assert "34" not in listed_codes(ranged)


def test_an_unreadable_period_is_explained_not_a_server_error(
    admin_client, reference_data
):
    response = admin_client.get(
        changelist(Agency), {"active_in": "2026-Q5"}, follow=True
    )
    assert response.status_code == 200
    assert "Không đọc được kỳ" in response.content.decode()


def test_children_and_subtree_links_walk_down_the_agency_tree(
    admin_client, hung_yen_committee, commune_centre
):
    children = admin_client.get(changelist(Agency), {"parent": hung_yen_committee.pk})
    assert "TTHCC-T33" in listed_codes(children)
    assert commune_centre.code not in listed_codes(children)  # grandchild
    assert commune_centre.parent.code in listed_codes(children)

    subtree = admin_client.get(changelist(Agency), {"subtree": hung_yen_committee.pk})
    assert {"UBND-T33", "TTHCC-T33", commune_centre.code} <= listed_codes(subtree)
    assert "UBND-T34" not in listed_codes(subtree)


def test_the_list_links_each_agency_to_its_parent_and_children(
    admin_client, hung_yen_committee
):
    response = admin_client.get(changelist(Agency), {"q": "UBND-T33"})
    page = response.content.decode()
    assert f"?parent={hung_yen_committee.pk}" in page
    assert f"?subtree={hung_yen_committee.pk}" in page


def test_change_page_shows_the_ancestors_in_the_breadcrumbs(
    admin_client, commune_centre
):
    url = reverse("admin:agencies_agency_change", args=[commune_centre.pk])
    response = admin_client.get(url)
    ancestors = [a.code for a in response.context["ancestors"]]
    assert ancestors == ["UBND-T33", commune_centre.parent.code]
    breadcrumbs = response.content.decode().split('class="breadcrumbs"')[1]
    breadcrumbs = breadcrumbs.split("</div>")[0]
    assert "UBND-T33" in breadcrumbs
    assert commune_centre.parent.code in breadcrumbs


def test_an_unknown_parent_in_the_url_lists_nothing_instead_of_failing(
    admin_client, reference_data
):
    response = admin_client.get(changelist(Agency), {"subtree": "999999"})
    assert response.status_code == 200
    assert listed_codes(response) == set()
