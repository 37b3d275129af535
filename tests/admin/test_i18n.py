"""Vietnamese by default, English on request (cookie), Vietnamese dates and time."""

import datetime

from django import forms
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from agencies.models import AdministrativeUnit

LOGIN = "/accounts/login/"


def switch(client, language: str, next_url: str = LOGIN):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def test_pages_speak_vietnamese_by_default(client, db):
    page = client.get(LOGIN).content.decode()
    assert '<html lang="vi">' in page
    assert "Toàn văn giấy phép" in page  # the shared footer
    assert "Ngôn ngữ" in page  # the language switcher's label


def test_switching_to_english_sets_the_cookie_and_translates_the_layout(client, db):
    response = switch(client, "en")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in page
    assert "Full licence text" in page
    assert "Main navigation" in page
    assert "Toàn văn giấy phép" not in page


def test_switching_back_to_vietnamese(client, db):
    switch(client, "en")
    switch(client, "vi")
    assert "Toàn văn giấy phép" in client.get(LOGIN).content.decode()


def test_the_admin_follows_the_chosen_language(admin_client):
    vietnamese = admin_client.get(reverse("admin:index")).content.decode()
    assert "Quản trị Cổng SIPAS" in vietnamese

    switch(admin_client, "en", reverse("admin:index"))
    english = admin_client.get(reverse("admin:index")).content.decode()
    assert "SIPAS portal administration" in english
    changelist = admin_client.get(reverse("admin:agencies_agency_changelist"))
    page = changelist.content.decode()
    assert "active in period" in page
    assert "Search by code or name, with or without Vietnamese diacritics" in page


def test_dates_are_written_day_first_in_vietnamese():
    template = Template("{{ day }} · {{ moment }} · {{ day|date:'SHORT_DATE_FORMAT' }}")
    context = Context(
        {
            "day": datetime.date(2026, 11, 27),
            "moment": datetime.datetime(2026, 11, 27, 9, 5),
        }
    )
    with translation.override("vi"):
        assert template.render(context) == "27/11/2026 · 09:05 27/11/2026 · 27/11/2026"


def test_dates_typed_day_first_are_read_day_first_in_vietnamese():
    with translation.override("vi"):
        assert forms.DateField().clean("05/06/2026") == datetime.date(2026, 6, 5)


def test_times_are_shown_in_vietnam_time(admin_client, reference_data):
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    moment = datetime.datetime(2026, 11, 26, 20, 0, tzinfo=datetime.UTC)
    with translation.override("vi"):
        rendered = Template("{{ moment }}").render(Context({"moment": moment}))
    assert rendered == "03:00 27/11/2026"


def test_the_admin_lists_validity_dates_day_first(admin_client, reference_data):
    thai_binh = AdministrativeUnit.objects.get(code="34")
    response = admin_client.get(
        reverse("admin:agencies_administrativeunit_changelist"), {"q": "34"}
    )
    assert thai_binh.valid_until.strftime("%d/%m/%Y") in response.content.decode()
