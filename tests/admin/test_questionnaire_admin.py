"""Questionnaires in the admin: published versions are read-only, drafts are not."""

import pytest
from django.urls import reverse

from surveys.admin_questionnaires import copy_version_as_draft
from surveys.models import Item, Questionnaire, QuestionnaireVersion
from surveys.reference import load_questionnaires


@pytest.fixture
def exit_questionnaire(db) -> Questionnaire:
    load_questionnaires()
    return Questionnaire.objects.get(code="exit-dv")


@pytest.fixture
def published_version(exit_questionnaire) -> QuestionnaireVersion:
    return exit_questionnaire.current_version()


@pytest.fixture
def draft_version(published_version) -> QuestionnaireVersion:
    return copy_version_as_draft(published_version)


def url(name: str, *args) -> str:
    return reverse(f"admin:surveys_{name}", args=args)


@pytest.mark.parametrize("model", ["questionnaire", "questionnaireversion", "item"])
def test_every_changelist_loads_with_a_bounded_number_of_queries(
    admin_client, exit_questionnaire, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = admin_client.get(url(f"{model}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def test_every_change_and_add_page_loads(
    admin_client, published_version, draft_version
):
    item = published_version.items.first()
    pages = [
        url("questionnaire_change", published_version.questionnaire_id),
        url("questionnaireversion_change", published_version.pk),
        url("questionnaireversion_change", draft_version.pk),
        url("item_change", item.pk),
        url("questionnaire_add"),
        url("questionnaireversion_add"),
        url("item_add"),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_a_published_version_is_shown_read_only_with_its_items(
    admin_client, published_version
):
    response = admin_client.get(
        url("questionnaireversion_change", published_version.pk)
    )
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    page = response.content.decode()
    assert 'name="title"' not in page  # no input: the title is displayed as text
    assert published_version.title in page
    assert "E5.3" in page  # the items inline, read-only
    assert 'name="items-0-text"' not in page


def test_changing_a_published_version_by_post_is_refused(
    admin_client, published_version
):
    response = admin_client.post(
        url("questionnaireversion_change", published_version.pk),
        {
            "questionnaire": published_version.questionnaire_id,
            "number": 1,
            "title": "X",
        },
    )
    assert response.status_code == 403
    published_version.refresh_from_db()
    assert published_version.title != "X"


def test_a_published_version_cannot_be_deleted(admin_client, published_version):
    delete_url = url("questionnaireversion_delete", published_version.pk)
    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert QuestionnaireVersion.objects.filter(pk=published_version.pk).exists()


def test_the_bulk_delete_action_refuses_a_selection_with_a_published_version(
    admin_client, published_version, draft_version
):
    changelist = url("questionnaireversion_changelist")
    both = [published_version.pk, draft_version.pk]
    response = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": both, "post": "yes"},
    )
    assert response.status_code == 403
    assert QuestionnaireVersion.objects.filter(pk__in=both).count() == 2

    admin_client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [draft_version.pk],
            "post": "yes",
        },
    )
    assert not QuestionnaireVersion.objects.filter(pk=draft_version.pk).exists()


def test_an_item_of_a_published_version_cannot_be_changed(
    admin_client, published_version
):
    item = published_version.items.get(code="E1.1")
    response = admin_client.post(
        url("item_change", item.pk),
        {"version": published_version.pk, "code": "E1.1", "position": 1, "text": "X"},
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.text != "X"


def test_a_draft_version_is_editable(admin_client, draft_version):
    response = admin_client.get(url("questionnaireversion_change", draft_version.pk))
    assert response.context["has_change_permission"] is True
    assert 'name="title"' in response.content.decode()


def test_copy_as_draft_numbers_the_copy_after_the_newest_and_copies_items(
    admin_client, published_version
):
    admin_client.post(
        url("questionnaireversion_changelist"),
        {"action": "copy_as_draft", "_selected_action": [published_version.pk]},
    )
    draft = QuestionnaireVersion.objects.get(
        questionnaire=published_version.questionnaire,
        number=published_version.number + 1,
    )
    assert draft.published_at is None
    assert list(draft.items.values_list("code", flat=True)) == list(
        published_version.items.values_list("code", flat=True)
    )


def test_publishing_a_draft_makes_it_the_current_version(admin_client, draft_version):
    admin_client.post(
        url("questionnaireversion_changelist"),
        {"action": "publish_versions", "_selected_action": [draft_version.pk]},
    )
    draft_version.refresh_from_db()
    assert draft_version.published_at is not None
    assert draft_version.questionnaire.current_version() == draft_version


def test_a_draft_without_items_is_not_published(admin_client, exit_questionnaire):
    empty = QuestionnaireVersion.objects.create(
        questionnaire=exit_questionnaire, number=9, title="Trống"
    )
    response = admin_client.post(
        url("questionnaireversion_changelist"),
        {"action": "publish_versions", "_selected_action": [empty.pk]},
        follow=True,
    )
    empty.refresh_from_db()
    assert empty.published_at is None
    assert "chưa có câu hỏi" in response.content.decode()


def test_new_items_can_only_be_added_to_drafts(
    admin_client, published_version, draft_version
):
    response = admin_client.get(url("item_add"))
    choices = response.context["adminform"].form.fields["version"].queryset
    assert draft_version in choices
    assert published_version not in choices
    assert Item.objects.filter(version=draft_version).count() == 20
