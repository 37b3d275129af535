"""Turn the events of surveys, invitations and early warnings into queued
webhook deliveries.

Signals are used because the emitting apps sit left of `api` in the import order,
or beside it (improvement), and may not call it (docs/architecture.md); each
receiver costs one query when nobody has subscribed (none while no subscription
is active), and sends nothing before the storing transaction commits.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from agencies.models import Agency, Procedure, ServicePoint
from api import tasks, webhooks
from api.models import WebhookSubscription
from invitations.signals import invitation_answered
from sipas.signals import alerts_raised
from surveys.models import QuestionnaireVersion
from surveys.signals import responses_stored

Event = WebhookSubscription.Event


def _codes(model, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    return (
        dict(model.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}
    )


@receiver(responses_stored)
def queue_response_events(sender, responses, **kwargs) -> None:
    events = (Event.RESPONSE_CREATED, Event.COMMENT_CREATED)
    live = webhooks.live_subscriptions(events)  # the one query when none exist
    if not live:
        return
    accepted = [r for r in responses if not r.flagged]
    agency_ids = {r.agency_id for r in accepted}
    wanted = {event: webhooks.covering(live, event, agency_ids) for event in events}
    if not any(wanted.values()):
        return
    agencies = _codes(Agency, agency_ids)
    points = _codes(ServicePoint, (r.service_point_id for r in accepted))
    procedures = _codes(Procedure, (r.procedure_id for r in accepted))
    versions = {
        v.pk: v
        for v in QuestionnaireVersion.objects.filter(
            pk__in={r.version_id for r in accepted}
        ).select_related("questionnaire")
    }

    def common(r) -> dict:
        version = versions[r.version_id]
        return {
            "response_id": str(r.id),
            "agency": agencies[r.agency_id],
            "questionnaire": version.questionnaire.code,
            "version": version.number,
            "procedure": procedures.get(r.procedure_id),
            "submitted_at": timezone.localtime(r.submitted_at).isoformat(),
        }

    ids: list[str] = []
    if wanted[Event.RESPONSE_CREATED]:
        ids += webhooks.queue_event(
            Event.RESPONSE_CREATED,
            [
                (
                    r.agency_id,
                    {
                        **common(r),
                        "service_point": points.get(r.service_point_id),
                        "channel": r.channel,
                        "source": r.source,
                    },
                )
                for r in accepted
            ],
            covered=wanted[Event.RESPONSE_CREATED],
        )
    if wanted[Event.COMMENT_CREATED]:
        ids += webhooks.queue_event(
            Event.COMMENT_CREATED,
            [
                (r.agency_id, {**common(r), "comment": r.comment})
                for r in accepted
                if r.comment
            ],
            covered=wanted[Event.COMMENT_CREATED],
        )
    _send_after_commit(ids)


@receiver(invitation_answered)
def queue_invitation_answered(sender, invitation, **kwargs) -> None:
    covered = webhooks.subscriptions_for(
        Event.INVITATION_ANSWERED, [invitation.agency_id]
    )
    if not covered:
        return
    payload = {
        "invitation_id": invitation.pk,
        "agency": _codes(Agency, [invitation.agency_id])[invitation.agency_id],
        "procedure": _codes(Procedure, [invitation.procedure_id]).get(
            invitation.procedure_id
        ),
        "response_id": str(invitation.response_id),
        "answered_at": timezone.localtime(invitation.used_at).isoformat(),
    }
    ids = webhooks.queue_event(
        Event.INVITATION_ANSWERED, [(invitation.agency_id, payload)], covered=covered
    )
    _send_after_commit(ids)


@receiver(alerts_raised)
def queue_alerts_raised(sender, alerts, **kwargs) -> None:
    """One `alert.raised` delivery per new alert and subscriber covering its
    agency. The body holds codes and figures only: no comment, no person (not
    even the staff member who later handles the alert)."""
    covered = webhooks.subscriptions_for(
        Event.ALERT_RAISED, (a.agency_id for a in alerts)
    )
    if not covered:
        return
    agencies = _codes(Agency, covered)
    payloads = [
        (
            alert.agency_id,
            {
                "alert_id": alert.pk,
                "agency": agencies[alert.agency_id],
                "period": alert.period,
                "questionnaire": alert.questionnaire,
                "indicator": alert.indicator,
                "value": None if alert.value is None else round(alert.value, 2),
                "reasons": list(alert.reasons),
                "detail": alert.detail,
                "raised_at": timezone.localtime(alert.created_at).isoformat(),
            },
        )
        for alert in alerts
        if alert.agency_id in covered
    ]
    _send_after_commit(
        webhooks.queue_event(Event.ALERT_RAISED, payloads, covered=covered)
    )


def _send_after_commit(ids: list[str]) -> None:
    if ids:
        transaction.on_commit(lambda: tasks.enqueue_webhooks(ids))
