"""The README's "Connecting a one-stop system" examples work as written: the
curl commands run against a live server, and the signature recipe accepts a
real delivery and refuses a forged one."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from api import tasks, webhooks
from api.models import WebhookDelivery
from invitations.models import Invitation
from tests.api.conftest import make_token

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    start = text.index("## Connecting a one-stop system")
    return text[start : text.index("\n## ", start + 10)]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), re.S)


@pytest.mark.django_db(transaction=True)
def test_the_curl_examples_of_the_readme_run(
    live_server, agencies, comments, index_results, exit_version, tmp_path
):
    _token, raw = make_token(agencies["UBND-T33"])
    (script,) = _blocks("sh")
    env = {**os.environ, "SIPAS_URL": live_server.url, "SIPAS_TOKEN": raw}
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert Invitation.objects.count() == 3
    assert (tmp_path / "qr.png").read_bytes().startswith(b"\x89PNG")
    assert '"A_DV"' in done.stdout
    assert '"baseline": "2025"' in done.stdout or '"baseline":"2025"' in done.stdout
    assert "mot-cua.example.vn/sipas-webhook" in done.stdout


def test_the_signature_recipe_of_the_readme_tells_real_from_forged(
    agencies, receiver, monkeypatch
):
    monkeypatch.setattr(tasks, "enqueue_webhooks", lambda ids, countdown=0: None)
    token, _raw = make_token(agencies["UBND-T33"])
    subscription = webhooks.create_subscription(
        token=token, url=receiver.url, events=["invitation.answered"]
    )
    webhooks.queue_event("invitation.answered", [(agencies["SNV-T33"].pk, {"x": 1})])
    tasks.deliver_webhook_task(str(WebhookDelivery.objects.get().pk))
    (python,) = _blocks("python")
    namespace: dict = {}
    exec(python, namespace)  # noqa: S102 - the README's own example
    verify = namespace["verify"]
    request = receiver.requests[0]
    assert verify(subscription.secret, request.headers, request.body)
    assert not verify("not-the-secret", request.headers, request.body)
    forged = {**request.headers, "X-SIPAS-Signature": "sha256=" + "0" * 64}
    assert not verify(subscription.secret, forged, request.body)
    assert not verify(subscription.secret, request.headers, request.body + b" ")
