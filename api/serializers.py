"""Shapes of the API's requests and answers (validated input, documented output)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.models import WebhookSubscription
from invitations.services import MAX_EXPIRES_DAYS
from surveys.models import Channel

MAX_BATCH = 1000
INVITATION_STATUSES = ["sent", "opened", "answered", "expired"]
DELIVERY_CHANNELS = ["email", "sms", "zalo"]


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code")
    field = serializers.CharField(
        allow_null=True, help_text="Dotted path of the input at fault, or null"
    )
    message = serializers.CharField(help_text="Human-readable message")


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    agency = serializers.CharField(help_text="Code of the token's agency")
    permissions = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField(allow_null=True)
    rate_per_minute = serializers.IntegerField()


class ContactSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=DELIVERY_CHANNELS, help_text="How to send the link"
    )
    value = serializers.CharField(
        max_length=254,
        help_text="E-mail address or phone number; deleted once the link is "
        "delivered or has failed for good",
    )


class DeliverySerializer(serializers.Serializer):
    # Plain strings: enums here would share names with the invitation's own
    # `channel` and `status` in the schema.
    channel = serializers.CharField(help_text="email, sms or zalo")
    status = serializers.CharField(help_text="pending, delivered or failed")
    attempts = serializers.IntegerField()
    finished_at = serializers.DateTimeField(allow_null=True)


class InvitationInSerializer(serializers.Serializer):
    dossier_code = serializers.CharField(
        max_length=200,
        help_text="The dossier's code (mã hồ sơ); stored only as a keyed hash",
    )
    agency = serializers.CharField(
        max_length=32,
        required=False,
        help_text="Agency code; the token's own agency when omitted",
    )
    procedure = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Mã TTHC"
    )
    service_point = serializers.CharField(
        max_length=40, required=False, allow_blank=True
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True
    )
    expires_days = serializers.IntegerField(
        min_value=1, max_value=MAX_EXPIRES_DAYS, required=False, default=30
    )
    contact = ContactSerializer(
        required=False,
        help_text="Send the link to the citizen (optional; the portal keeps the "
        "contact only until it is delivered)",
    )


class InvitationBatchInSerializer(serializers.Serializer):
    invitations = InvitationInSerializer(many=True, min_length=1, max_length=MAX_BATCH)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = serializers.CharField()
    procedure = serializers.CharField(allow_null=True)
    service_point = serializers.CharField(allow_null=True)
    channel = serializers.CharField(allow_blank=True)
    questionnaire = serializers.CharField()
    status = serializers.ChoiceField(choices=["sent", "opened", "answered", "expired"])
    link = serializers.URLField(
        allow_null=True,
        help_text="The citizen's one-time link; null for invitations made in the "
        "admin, whose link was shown once there",
    )
    qr_png = serializers.URLField(allow_null=True)
    qr_svg = serializers.URLField(allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    delivery = DeliverySerializer(allow_null=True)


class IssuedInvitationSerializer(InvitationSerializer):
    dossier_code = serializers.CharField()
    created = serializers.BooleanField(
        help_text="False when this dossier already had an invitation (idempotent)"
    )


class InvitationBatchSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    invitations = IssuedInvitationSerializer(many=True)


class InvitationPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InvitationSerializer(many=True)


class _IndicatorRowSerializer(serializers.Serializer):
    """What names an index row and its number: both index and comparison rows."""

    agency = serializers.CharField()
    scope = serializers.ChoiceField(choices=["own", "subtree"])
    questionnaire = serializers.CharField()
    kind = serializers.CharField()
    indicator = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class IndexRowSerializer(_IndicatorRowSerializer):
    ci95 = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True
    )
    flag = serializers.CharField(allow_null=True)
    se = serializers.FloatField(allow_null=True, help_text="Standard error (points)")
    incomplete = serializers.ListField(child=serializers.CharField())
    ci95_design = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        required=False,
        help_text="Item-like rows of a cluster-sampled questionnaire (hh-1001): "
        "the Wilson interval on the effective sample size (design effect of "
        "the communes); ci95 is the Wilson interval on the answers",
    )


class IndexPageSerializer(serializers.Serializer):
    period = serializers.CharField()
    methodology = serializers.CharField()
    generated_at = serializers.DateTimeField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = IndexRowSerializer(many=True)


class ComparisonRowSerializer(_IndicatorRowSerializer):
    se = serializers.FloatField(allow_null=True)
    flag = serializers.CharField(allow_null=True)
    incomplete = serializers.ListField(child=serializers.CharField())
    baseline = serializers.FloatField(allow_null=True)
    baseline_n = serializers.IntegerField()
    baseline_se = serializers.FloatField(allow_null=True)
    diff = serializers.FloatField(allow_null=True, help_text="value − baseline")
    diff_ci95 = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True
    )
    p = serializers.FloatField(allow_null=True)
    q = serializers.FloatField(allow_null=True, help_text="Benjamini–Hochberg q")
    significant = serializers.BooleanField(help_text="q < 0.05")


class ComparisonPageSerializer(serializers.Serializer):
    period = serializers.CharField()
    baseline = serializers.CharField()
    methodology = serializers.CharField()
    methodology_version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ComparisonRowSerializer(many=True)


class CommentSerializer(serializers.Serializer):
    response_id = serializers.UUIDField()
    agency = serializers.CharField()
    questionnaire = serializers.CharField()
    procedure = serializers.CharField(allow_null=True)
    channel = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()
    comment = serializers.CharField()


class CommentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CommentSerializer(many=True)


class WebhookInSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookSubscription.Event.choices),
        min_length=1,
        max_length=len(WebhookSubscription.Event.choices),
        help_text="invitation.answered (needs the invitations permission), "
        "response.created (indices), comment.created (comments), alert.raised "
        "(indices: a new early warning about an agency of the token's subtree, "
        "with alert_id, agency, period, questionnaire, indicator, value, reasons, "
        "detail and raised_at). Every body is {id, event, created_at, data}.",
    )

    def validate_url(self, value: str) -> str:
        if not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError(
                _("Địa chỉ phải bắt đầu bằng https://."), code="invalid_url"
            )
        return value


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    consecutive_failures = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class NewWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="Signing key of X-SIPAS-Signature; shown only in this answer"
    )
