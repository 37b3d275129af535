"""Settings of the api app (REST API, OpenAPI schema, invitation-link gateways),
read by sipas/settings.py; environment-driven like the rest (.env.example)."""

import os

from celery.schedules import crontab

# --- REST API for one-stop systems (api app): per-agency bearer tokens, JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasToken"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.errors.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SIPAS API",
    "DESCRIPTION": "For one-stop systems. Send `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}
# Invitation links to citizens (api.delivery): SMS gateway (POST {"to", "from", "text"},
# basic auth; SMS_TEMPLATE has {agency} and {link}), Zalo ZNS, and Django's mail.
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_USER = os.environ.get("SMS_GATEWAY_USER", "")
SMS_GATEWAY_PASSWORD = os.environ.get("SMS_GATEWAY_PASSWORD", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "SIPAS")
SMS_TEMPLATE = os.environ.get("SMS_TEMPLATE", "{agency} moi danh gia hai long: {link}")
_ZNS = "https://business.openapi.zalo.me/message/template"
ZALO_ZNS_URL = os.environ.get("ZALO_ZNS_URL", _ZNS)
ZALO_ZNS_ACCESS_TOKEN = os.environ.get("ZALO_ZNS_ACCESS_TOKEN", "")
ZALO_ZNS_TEMPLATE_ID = os.environ.get("ZALO_ZNS_TEMPLATE_ID", "")

API_APPS = ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "api"]
API_BEAT_SCHEDULE = {
    # Every minute: send the webhook deliveries whose task was lost (broker down).
    "webhook-retry-sweep": {
        "task": "api.tasks.retry_due_webhooks_task",
        "schedule": crontab(minute="*"),
    },
    # Every ten minutes: send invitation links whose task was lost (broker down).
    "invitation-delivery-sweep": {
        "task": "api.tasks.send_pending_invitations_task",
        "schedule": crontab(minute="*/10"),
    },
}
