"""Sending invitation links to citizens: e-mail, SMS through an HTTP gateway,
Zalo ZNS template messages — three senders behind one interface.

`Sender.send(contact, message)` returns the provider's message id or raises
`SendError(temporary=…)`. `deliver(delivery_id)` makes one attempt: success
marks the delivery delivered; a permanent refusal (a bad number, a template the
provider rejects) or the last of MAX_ATTEMPTS temporary
failures marks it failed for good. In both final states the contact is blanked
at once: the portal keeps no phone number or address longer than it needs to.

Settings (environment): SMS_GATEWAY_URL, SMS_GATEWAY_USER, SMS_GATEWAY_PASSWORD,
SMS_SENDER, SMS_TEMPLATE; ZALO_ZNS_URL, ZALO_ZNS_ACCESS_TOKEN,
ZALO_ZNS_TEMPLATE_ID; e-mail uses Django's mail settings.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.links import link_of
from api.models import InvitationDelivery
from invitations.models import Invitation

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # 1, 2, 4, 8 minutes apart
PHONE_RE = re.compile(r"^(?:\+?84|0)(\d{9})$")


class SendError(Exception):
    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


@dataclass(frozen=True)
class Message:
    agency: str  # the agency's name, as the citizen knows it
    link: str

    def text(self) -> str:
        return settings.SMS_TEMPLATE.format(agency=self.agency, link=self.link)


def normalise_contact(channel: str, value: str) -> str:
    """The contact in the form the sender needs; ValidationError if malformed."""
    value = value.strip()
    if channel == InvitationDelivery.Channel.EMAIL:
        validate_email(value)
        return value
    digits = re.sub(r"[\s.\-()]", "", value)
    match = PHONE_RE.match(digits)
    if not match:
        raise ValidationError(
            _("Số điện thoại không hợp lệ (ví dụ 0912345678 hoặc +84912345678).")
        )
    return "84" + match.group(1)


class EmailSender:
    def send(self, contact: str, message: Message) -> str:
        subject = _("Mời Ông/Bà đánh giá sự hài lòng – %(agency)s") % {
            "agency": message.agency
        }
        try:
            send_mail(subject, message.text(), settings.DEFAULT_FROM_EMAIL, [contact])
        except Exception as exc:  # SMTP and connection errors: try again later
            raise SendError(f"{exc.__class__.__name__}: {exc}", temporary=True)
        return ""


def _post(url: str, **kwargs) -> requests.Response:
    if not url:
        raise SendError("gateway not configured", temporary=False)
    try:
        return requests.post(url, timeout=10, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        raise SendError(f"{exc.__class__.__name__}: {exc}", temporary=True)


def _refusal(answer: requests.Response) -> SendError:
    # 4xx: the gateway refuses this message (bad number, bad credentials); 5xx and
    # 429: try again later.
    temporary = answer.status_code >= 500 or answer.status_code == 429
    return SendError(
        f"HTTP {answer.status_code}: {answer.text[:200]}", temporary=temporary
    )


class SmsSender:
    """A JSON SMS gateway: POST {"to", "from", "text"} with basic auth; 2xx with
    {"id": …} is accepted."""

    def send(self, contact: str, message: Message) -> str:
        auth = None
        if settings.SMS_GATEWAY_USER:
            auth = (settings.SMS_GATEWAY_USER, settings.SMS_GATEWAY_PASSWORD)
        answer = _post(
            settings.SMS_GATEWAY_URL,
            json={"to": contact, "from": settings.SMS_SENDER, "text": message.text()},
            auth=auth,
        )
        if not 200 <= answer.status_code < 300:
            raise _refusal(answer)
        try:
            return str(answer.json().get("id", ""))[:100]
        except ValueError:
            return ""


class ZaloZnsSender:
    """Zalo Notification Service: a registered template filled with the
    agency's name and the link; `error` 0 in the answer means accepted."""

    def send(self, contact: str, message: Message) -> str:
        answer = _post(
            settings.ZALO_ZNS_URL,
            json={
                "phone": contact,
                "template_id": settings.ZALO_ZNS_TEMPLATE_ID,
                "template_data": {"agency_name": message.agency, "link": message.link},
            },
            headers={"access_token": settings.ZALO_ZNS_ACCESS_TOKEN},
        )
        if not 200 <= answer.status_code < 300:
            raise _refusal(answer)
        try:
            body = answer.json()
        except ValueError:
            raise SendError("not a JSON answer", temporary=True)
        if body.get("error", 0) != 0:
            raise SendError(
                f"ZNS error {body.get('error')}: {body.get('message', '')}"[:300],
                temporary=False,
            )
        return str((body.get("data") or {}).get("msg_id", ""))[:100]


SENDERS = {
    InvitationDelivery.Channel.EMAIL: EmailSender(),
    InvitationDelivery.Channel.SMS: SmsSender(),
    InvitationDelivery.Channel.ZALO: ZaloZnsSender(),
}


def request_deliveries(
    requests: list[tuple[Invitation, str, str]],
) -> list[InvitationDelivery]:
    """Store the sending of invitation links, (invitation, channel, contact)
    each, for the caller to enqueue after commit. An invitation whose sending was
    already requested is left alone: asking again never sends twice."""
    if not requests:
        return []
    already = set(
        InvitationDelivery.objects.filter(
            invitation__in=[invitation for invitation, _c, _v in requests]
        ).values_list("invitation_id", flat=True)
    )
    fresh, seen = [], set()
    for invitation, channel, contact in requests:
        if invitation.pk in already or invitation.pk in seen:
            continue
        seen.add(invitation.pk)
        fresh.append(
            InvitationDelivery(invitation=invitation, channel=channel, contact=contact)
        )
    return InvitationDelivery.objects.bulk_create(fresh, batch_size=1000)


def _finish(delivery: InvitationDelivery, status: str) -> None:
    now = timezone.now()
    delivery.status = status
    delivery.finished_at = now
    delivery.next_attempt_at = None
    delivery.contact = ""
    delivery.contact_deleted_at = now


def deliver(delivery_id: int) -> float | None:
    """One attempt; returns the seconds to wait before the next one, or None."""
    with transaction.atomic():
        delivery = (
            InvitationDelivery.objects.select_for_update(skip_locked=True)
            .select_related("invitation__agency")
            .filter(pk=delivery_id, status=InvitationDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        due = timezone.now() + datetime.timedelta(seconds=1)
        if delivery.next_attempt_at and delivery.next_attempt_at > due:
            return None  # a task ahead of its back-off; the due one comes later
        invitation = delivery.invitation
        link = link_of(invitation)
        delivery.attempts += 1
        wait = None
        if link is None or invitation.is_expired or invitation.is_used:
            delivery.last_error = "the invitation can no longer be answered"
            _finish(delivery, InvitationDelivery.Status.FAILED)
        else:
            message = Message(agency=invitation.agency.name, link=link)
            try:
                delivery.provider_id = SENDERS[delivery.channel].send(
                    delivery.contact, message
                )
            except SendError as exc:
                delivery.last_error = str(exc)[:300]
                last = delivery.attempts >= MAX_ATTEMPTS
                if exc.temporary and not last:
                    wait = 60.0 * 2 ** (delivery.attempts - 1)
                    delivery.next_attempt_at = timezone.now() + datetime.timedelta(
                        seconds=wait
                    )
                else:
                    _finish(delivery, InvitationDelivery.Status.FAILED)
            else:
                delivery.last_error = ""
                _finish(delivery, InvitationDelivery.Status.DELIVERED)
        delivery.save()
        return wait


def pending_deliveries(limit: int = 500) -> list[int]:
    return list(
        InvitationDelivery.objects.filter(
            status=InvitationDelivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
