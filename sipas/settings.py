"""The one settings module of the SIPAS portal: production differs from development
only by environment variables (`.env.example` lists them all); malformed values
raise ImproperlyConfigured at start-up."""

import ipaddress
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from sipas.settings_api import *  # noqa: F403 - the api app's settings and beat entries
from sipas.settings_data import *  # noqa: F403 - raw data's retention and partitions

BASE_DIR = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("SIPAS_SHARED_DIR", BASE_DIR.parent / "shared"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must list at least one value")
    return items


DEBUG = env_bool("DEBUG", False)
# Commands that only read models or text files and never sign anything may run
# without a key (a random one per process): `makemigrations --check` in CI hooks.
OFFLINE_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "dev-only-insecure-key-never-use-in-production-" + "x" * 20
    elif sys.argv[0].endswith("manage.py") and sys.argv[1:2] in (
        [c] for c in OFFLINE_COMMANDS
    ):
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "sipas.admin_site.SipasAdminConfig",  # django.contrib.admin, task-first home
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "agencies",
    "surveys",
    "staff",
    "reports",
    "dashboard",
    "invitations",
    "improvement",
    "axes",
    "audit",
] + API_APPS  # noqa: F405 - rest_framework, drf_spectacular, api

MIDDLEWARE = [
    # First, so the latency it measures is the whole request's (sipas/metrics.py).
    "sipas.metrics.MetricsMiddleware",
    "surveys.pagecache.CachedPageMiddleware",  # a kept survey page, served at once
    "django.middleware.security.SecurityMiddleware",
    "sipas.middleware.SecurityHeadersMiddleware",
    "sipas.middleware.NulCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: a dashboard request reads its session from the replica too.
    "sipas.replica.ReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sipas.middleware.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sipas.middleware.DatabaseUnavailableMiddleware",
    # django-axes wants to be last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sipas.urls"
WSGI_APPLICATION = "sipas.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sipas.replica.lag_notice",
            ],
        },
    },
]

# --- Database: PostgreSQL in production, SQLite under var/ when DATABASE_URL is unset.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except Exception as exc:  # dj_database_url raises several types
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}")
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "sipas.sqlite3",
            "OPTIONS": {"timeout": 30},
        }
    }
# A PostgreSQL streaming replica (optional): dashboards, their exports and PDF
# reports read from it; writes and the index engine stay on the primary
# (sipas/replica.py). Its lag is in /healthz and, above the warning threshold, on
# the dashboards. A signed-in user's writes keep their reads on the primary until
# the replica has replayed them (at most REPLICA_STICKY_SECONDS).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if not DATABASE_URL.startswith("postgres"):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL (the primary)"
        )
    try:
        DATABASES["replica"] = dj_database_url.parse(
            DATABASE_REPLICA_URL, conn_max_age=60
        )
    except Exception as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is malformed: {exc}")
    # A replica that does not answer must not hang a dashboard: reads fall back.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests run against one database: the replica alias mirrors it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["sipas.replica.ReplicaRouter"]
REPLICA_READ_PATHS = env_list("REPLICA_READ_PATHS", ["/dashboard/"])
REPLICA_LAG_WARNING_SECONDS = env_int("REPLICA_LAG_WARNING_SECONDS", 60)
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 300)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL (or the Redis broker) is set, else process memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
_cache_url = REDIS_URL or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
)
if _cache_url:
    CACHES = {
        "default": {
            "BACKEND": "sipas.cache.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sipas"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: tasks run in-process (eager) when no broker is configured.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get(
    "CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None
)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900)
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A citizen's submission must not hang on a Redis that is down: sending a task
# tries the broker for about half a second, then gives up (the responses stay
# uncounted in the database and are swept once Redis is back). Without this, each send
# waited ~6 s on the broker and ~20 s on the result store (tests/reliability).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Nothing reads task results (job state is in the database): no result store.
CELERY_TASK_IGNORE_RESULT = True
# Three queues, so that one kind of work never waits behind another: `engine`
# (sweeps, recomputes, nightly maintenance: short and frequent), `reports` (PDF
# reports, long and rare) and `mail` (e-mail, webhooks: slow remote servers). A
# worker started without -Q consumes all of them (development, tests); production
# runs one worker per queue (README, "Running in production", gives the commands).
# Tasks named nowhere below go to `engine`.
CELERY_TASK_QUEUES = [Queue("engine"), Queue("reports"), Queue("mail")]
CELERY_TASK_DEFAULT_QUEUE = "engine"
CELERY_TASK_ROUTES = {
    "reports.tasks.*": {"queue": "engine"},
    "surveys.tasks.*": {"queue": "engine"},
    "dashboard.tasks.*": {"queue": "reports"},
    "improvement.tasks.*report*": {"queue": "reports"},
    # Key drivers after a recompute: minutes of numpy per period, kept off the
    # engine's queue of short sweeps.
    "improvement.tasks.after_recompute_task": {"queue": "reports"},
    "improvement.tasks.measure_action_task": {"queue": "reports"},
    "invitations.tasks.*": {"queue": "mail"},
    "api.tasks.*": {"queue": "mail"},
    "*.send_*": {"queue": "mail"},
}
# The index engine: a stored response schedules one sweep (it counts the responses
# stored meanwhile) after the debounce, or under load the last sweep's run time times
# 1 + the rest factor, at most the longest wait (reports.tasks.sweep_wait); the
# breakdowns follow with their own, slower sweep (bench/README.md, "load").
REPORTS_SWEEP_DEBOUNCE_SECONDS = env_int("REPORTS_SWEEP_DEBOUNCE_SECONDS", 2)
REPORTS_SWEEP_REST_FACTOR = env_int("REPORTS_SWEEP_REST_FACTOR", 4)
REPORTS_SWEEP_MAX_WAIT_SECONDS = env_int("REPORTS_SWEEP_MAX_WAIT_SECONDS", 6)
REPORTS_BREAKDOWN_DEBOUNCE_SECONDS = env_int("REPORTS_BREAKDOWN_DEBOUNCE_SECONDS", 20)
CELERY_BEAT_SCHEDULE = {
    # Every night at 02:15 Vietnam time: rewrite the indices of the current and the
    # previous period from the aggregates (counting anything still uncounted).
    "nightly-recompute": {
        "task": "reports.tasks.recompute_recent_periods_task",
        "schedule": crontab(hour=2, minute=15),
    },
    # Every 5 minutes: count responses whose debounced sweep was
    # never sent (broker down at submission time) or was lost.
    "dirty-sweep": {
        "task": "reports.tasks.sweep_dirty_task",
        "schedule": crontab(minute="*/5"),
    },
    # The same for the dashboards' breakdowns (their own, slower sweep).
    "breakdown-sweep": {
        "task": "reports.tasks.sweep_breakdowns_task",
        "schedule": crontab(minute="2-59/5"),
    },
    # Every morning at 07:00 Vietnam time: e-mail each staff member (unless they
    # opted out) the new alerts of their scope, once a day.
    "daily-alert-digest": {
        "task": "improvement.tasks.send_alert_digests_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Every night at 03:30 Vietnam time: delete the reply contacts (phone/e-mail left
    # with a comment) that staff have handled or that are past their retention time.
    "nightly-purge-reply-contacts": {
        "task": "surveys.tasks.purge_reply_contacts_task",
        "schedule": crontab(hour=3, minute=30),
    },
} | API_BEAT_SCHEDULE | DATA_BEAT_SCHEDULE  # noqa: F405  # fmt: skip

# Hooks: a lower app may not import the apps above it, so those register here.
# Tasks sent after the indices of some periods are rewritten (the list of period
# codes): improvement brings the key drivers up to date.
SIPAS_AFTER_RECOMPUTE = ["improvement.tasks.after_recompute_task"]
# Called inside the storing transaction with the (agency id, version id, submitted_at)
# of new or accepted responses: reports schedules one debounced sweep after commit.
SIPAS_ON_NEW_RESPONSES = ["reports.tasks.note_new_responses"]
# The dashboard's KPI cards: the target of (agency, questionnaire, indicator, period).
SIPAS_TARGET_READER = "improvement.alerts.target_for"

# --- Auth
_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {"NAME": _VALIDATORS + "MinimumLengthValidator"},
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+address before the password
# is even checked (audit.backends explains the request-less case).
AUTHENTICATION_BACKENDS = [
    "audit.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "audit/locked_out.html"
# The client behind the proxy, as the survey rate limit and the audit log see it.
AXES_CLIENT_IP_CALLABLE = "sipas.clientip.client_ip"
# Password reset e-mails per hour, per client address and per e-mail address.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 5)
PASSWORD_RESET_EMAIL_LIMIT = env_int("PASSWORD_RESET_EMAIL_LIMIT", 3)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

# --- i18n: Vietnamese first, English complete.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "sipas_language"
# Vietnamese dates as 27/11/2026, read day first in forms (sipas/formats/vi).
FORMAT_MODULE_PATH = ["sipas.formats"]

# --- Static files
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"
# Evidence files of improvement actions: stored under MEDIA_ROOT/private/ (never
# served as static media), at most this many bytes each.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail (password resets). Console in development; SMTP via EMAIL_HOST.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sipas@localhost")

# --- Security: secure by default when DEBUG is off (`check --deploy` clean).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# A signed-in user idle this long is signed out (sipas.middleware); 0 turns it off.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_HTTPONLY = True

# Proxies (addresses or networks) whose X-Forwarded-For is believed: nginx on the
# same host is 127.0.0.1. Empty: the client is REMOTE_ADDR (sipas/clientip.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network"
        )

# Keyed hashes (dossier codes, client IPs) use this pepper, kept apart from SECRET_KEY
# so rotating sessions does not orphan invitation tokens.
HASH_PEPPER = os.environ.get("HASH_PEPPER", SECRET_KEY)

# --- Citizen survey (surveys app). The per-client limit is generous: a one-stop
# centre's citizens share its address (Wi-Fi, NAT) and a kiosk is one client.
SURVEY_RATE_LIMIT = env_int("SURVEY_RATE_LIMIT", 60)  # submissions per window
SURVEY_RATE_WINDOW_SECONDS = env_int("SURVEY_RATE_WINDOW_SECONDS", 600)
# A form sent back faster than this is stored but flagged for staff review.
SURVEY_MIN_FILL_SECONDS = env_int("SURVEY_MIN_FILL_SECONDS", 15)
# A rendered form stays valid this long; one sent later comes back with a new token.
SURVEY_FORM_MAX_AGE_SECONDS = env_int("SURVEY_FORM_MAX_AGE_SECONDS", 3 * 3600)
# Fresh forms per client per window; answers to forms past this are flagged.
SURVEY_TOKEN_ISSUE_LIMIT = env_int("SURVEY_TOKEN_ISSUE_LIMIT", 60)
# POSTs one rendered form may make (mistakes corrected, sent again) before 429.
SURVEY_TOKEN_POST_LIMIT = env_int("SURVEY_TOKEN_POST_LIMIT", 20)
# A place's blank form page is kept this long (s; 0: off), surveys/pagecache.py.
SURVEY_PAGE_CACHE_SECONDS = env_int("SURVEY_PAGE_CACHE_SECONDS", 300)
# One section per page ("Tiếp tục"; kiosks keep the one-page form): surveys/steps.py.
SURVEY_QUESTION_PAGES = env_bool("SURVEY_QUESTION_PAGES", True)
# The deployment's province code ("33"): its places come first in citizen search.
SIPAS_HOME_PROVINCE = os.environ.get("SIPAS_HOME_PROVINCE", "")

# --- Personal data: how long each kind is kept, in one place. The citizens'
# privacy notice (/quyen-rieng-tu/, Decree 13/2023/NĐ-CP and the 2025 Personal
# Data Protection Law) shows these values, so it always says what the portal does.
# - Answers, comments and the optional "about you" fields: no name, no ID number,
#   kept for the indices of their periods (RESPONSE_RETENTION_YEARS: settings_data).
# - A phone/e-mail left for a reply: deleted once staff mark the comment handled
#   (nightly purge, 03:30) and after this many days at the latest.
REPLY_CONTACT_RETENTION_DAYS = env_int("REPLY_CONTACT_RETENTION_DAYS", 90)
# - Nightly database dumps (deploy/backup.sh reads the same variable): a deleted
#   reply contact leaves the backups after this many days.
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 14)
# - The client address: never stored; a keyed hash counts submissions in the
#   cache for SURVEY_RATE_WINDOW_SECONDS (above); the audit log of staff actions
#   keeps keyed hashes only.
# Where a citizen asks for their reply contact to be deleted (shown in the notice).
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "")

# --- Operations: /metrics for Prometheus from these addresses only (behind the
# trusted proxies); everyone else gets a 404 (sipas/metrics.py).
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _address in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_address, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS: {_address!r} is not an IP address or network"
        )

# Log lines as text (development) or one JSON object per line (log shippers).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "sipas.metrics.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
