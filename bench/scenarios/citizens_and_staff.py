"""Locust scenario: citizens open and submit surveys while staff browse dashboards.

Run by bench/load.py (and the smoke test) through the locust CLI, configured by
environment variables:

  LOAD_SURVEY_CODES    comma-separated place codes (/s/<code>/)
  LOAD_ACK_FILE        where each acknowledged submission is appended (JSON lines)
  LOAD_STAFF           "username:password" of a staff user (optional)
  LOAD_DASHBOARD_URLS  comma-separated dashboard URLs (optional)
  LOAD_BARE_URL        the bare-insert URL to compare with (optional)
  LOAD_RESUBMIT_SHARE  share of citizens who send the same form twice (0.1)
  LOAD_STEADY_PER_USER submissions per second of each SteadyCitizen (0.5)

Every POST of a survey is written to LOAD_ACK_FILE with its form token (which
carries the idempotency key) and whether it was acknowledged (a redirect to the
thank-you page), so the runner can check each acknowledged one was stored exactly
once. (Locust's CSV can miss requests finished during --stop-timeout; this file
does not.)
"""

from __future__ import annotations

import json
import os
import random
import re
from html.parser import HTMLParser

from locust import HttpUser, between, constant, constant_throughput, events, task

SURVEY_CODES = [c for c in os.environ.get("LOAD_SURVEY_CODES", "").split(",") if c]
ACK_FILE = os.environ.get("LOAD_ACK_FILE", "")
STAFF = os.environ.get("LOAD_STAFF", "")
DASHBOARD_URLS = [
    u for u in os.environ.get("LOAD_DASHBOARD_URLS", "/dashboard/").split(",") if u
]
BARE_URL = os.environ.get("LOAD_BARE_URL", "")
RESUBMIT_SHARE = float(os.environ.get("LOAD_RESUBMIT_SHARE", "0.1"))
# Submissions per second of each SteadyCitizen (the freshness phase).
STEADY_PER_USER = float(os.environ.get("LOAD_STEADY_PER_USER", "0.5"))
HONEYPOT = "website"
COMMENTS = [
    "",
    "",
    "Cán bộ hướng dẫn tận tình.",
    "Thời gian chờ hơi lâu.",
    "=1+1 thử công thức",
    "Rất hài lòng với sự phục vụ.",
]

_ack_handle = None


def _ack(record: dict) -> None:
    global _ack_handle
    if not ACK_FILE:
        return
    if _ack_handle is None:
        _ack_handle = open(ACK_FILE, "a", encoding="utf-8")  # noqa: SIM115
    _ack_handle.write(json.dumps(record) + "\n")
    _ack_handle.flush()


@events.quitting.add_listener
def _close_ack_file(environment, **kwargs) -> None:
    if _ack_handle is not None:
        _ack_handle.close()


class FormReader(HTMLParser):
    """Collects the fields of the first form with method=post on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.done = False
        self.hidden: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}
        self.checkboxes: dict[str, list[str]] = {}
        self.selects: dict[str, list[str]] = {}
        self.required_selects: set[str] = set()
        self.required_radios: set[str] = set()
        self.checked: dict[str, str] = {}
        self._select: str | None = None
        self.textareas: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and not self.done
            and (a.get("method") or "").lower() == "post"
        ):
            # Skip the language switcher and logout forms of the header.
            action = a.get("action") or ""
            if "i18n" in action or "logout" in action:
                return
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "hidden":
                self.hidden[name] = a.get("value") or ""
            elif kind == "radio":
                self.radios.setdefault(name, []).append(a.get("value") or "")
                if "required" in a:
                    self.required_radios.add(name)
                if "checked" in a:
                    self.checked[name] = a.get("value") or ""
            elif kind == "checkbox":
                self.checkboxes.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.selects[name] = []
            if "required" in a:
                self.required_selects.add(name)
        elif tag == "option" and self._select and a.get("value"):
            self.selects[self._select].append(a["value"])
        elif tag == "textarea" and name:
            self.textareas.append(name)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form" and self.in_form:
            self.in_form = False
            self.done = True

    def answers(self, rng: random.Random) -> dict[str, str | list[str]]:
        data: dict[str, str | list[str]] = dict(self.hidden)
        data.update(self.checked)  # what the browser would send untouched
        for name, values in self.radios.items():
            # Most citizens answer most questions; some leave an item blank.
            if name in self.required_radios or rng.random() < 0.93:
                data[name] = rng.choice(values)
        for name, values in self.checkboxes.items():
            picked = [v for v in values if rng.random() < 0.3]
            if picked:
                data[name] = picked
        for name, values in self.selects.items():
            if values and (name in self.required_selects or rng.random() < 0.5):
                data[name] = rng.choice(values)
        for name in self.textareas:
            data[name] = rng.choice(COMMENTS)
        data.pop(HONEYPOT, None)
        return data


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


# The fields of a place's form are the same on every page of it but the two
# hidden values each page brings fresh: parse a place's form once, then read only
# those (a phone parses the page itself; on a 2-core benchmark machine parsing
# every page in the load generator took CPU from the servers being measured).
_forms: dict[str, FormReader] = {}
FRESH = {
    name: re.compile(rf'name="{name}" value="([^"]*)"|value="([^"]*)" name="{name}"')
    for name in ("token", "csrfmiddlewaretoken")
}


def form_of(code: str, html: str) -> tuple[FormReader, dict[str, str]]:
    """The form's fields parsed once per place, and this page's fresh values."""
    if code not in _forms:
        _forms[code] = read_form(html)
    fresh = {}
    for name, pattern in FRESH.items():
        match = pattern.search(html)
        if match:
            fresh[name] = match[1] if match[1] is not None else match[2]
    return _forms[code], fresh


class Citizen(HttpUser):
    """Opens a survey, takes a few seconds to answer, submits it."""

    weight = 9
    wait_time = between(0.5, 2.0)
    resubmit_share = RESUBMIT_SHARE

    @task
    def answer_a_survey(self) -> None:
        if not SURVEY_CODES:
            return
        code = random.choice(SURVEY_CODES)
        url = f"/s/{code}/"
        # Each iteration is another citizen: no cookies from the previous one (the
        # portal hands a browser that just answered the same form key again).
        self.client.cookies.clear()
        page = self.client.get(url, name="citizen: open survey")
        if page.status_code != 200:
            return
        form, fresh = form_of(code, page.text)
        data = {**form.answers(random), **fresh}
        if "buoc" in data:
            # The question pages (surveys/steps.py): the first page holds the
            # overall question; "Gửi ngay" sends it, one POST like the one-page
            # form. Walking every page: tests/surveys/test_question_pages*.py.
            data["action"] = "send"
            for name, values in form.radios.items():  # the one question: answered
                data.setdefault(name, random.choice(values))
        sends = 2 if random.random() < self.resubmit_share else 1
        for attempt in range(sends):
            with self.client.post(
                url,
                data=data,
                name="citizen: submit",
                allow_redirects=False,
                catch_response=True,
            ) as reply:
                location = reply.headers.get("Location", "")
                acked = reply.status_code == 302 and "/cam-on/" in location
                if acked:
                    reply.success()
                else:
                    reply.failure(f"not acknowledged: {reply.status_code}")
                _ack(
                    {
                        "code": code,
                        "token": data.get("token", ""),
                        "status": reply.status_code,
                        "acked": acked,
                        "location": location,
                        "attempt": attempt,
                    }
                )


class Staff(HttpUser):
    """Signs in once, then browses dashboard pages."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        if not STAFF:
            return
        username, _, password = STAFF.partition(":")
        page = self.client.get("/accounts/login/", name="staff: login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token[1] if token else "",
            },
            name="staff: sign in",
            allow_redirects=False,
        )

    @task
    def browse(self) -> None:
        url = random.choice(DASHBOARD_URLS)
        with self.client.get(url, name="staff: dashboard", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"dashboard answered {r.status_code}")


class FlatOutCitizen(Citizen):
    """Citizens with no think time and no double submits: the capacity phase."""

    wait_time = constant(0)
    resubmit_share = 0.0


class SteadyCitizen(Citizen):
    """Citizens submitting at a steady rate (one form every 1/LOAD_STEADY_PER_USER
    seconds each, opening included): the freshness phase."""

    wait_time = constant_throughput(STEADY_PER_USER)
    resubmit_share = 0.0


class BareInsert(HttpUser):
    """The yardstick: a bare view inserting one row, with no think time."""

    wait_time = constant(0)

    @task
    def insert(self) -> None:
        if BARE_URL:
            self.client.post(BARE_URL, data={"payload": "x"}, name="bare insert")
