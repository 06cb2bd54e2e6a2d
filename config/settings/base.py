"""Settings shared by every environment. Every value that differs between machines comes from
an environment variable (see .env.example and the README) — dev.py and prod.py first add those
of `.env` — ; dev.py and test.py add conveniences, prod.py only hardens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from config.env import env_bool, env_database, env_email, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state for the embedded default: the SQLite file and the filesystem broker's folders.
VAR_DIR = Path(env_str("RAPPORT_VAR_DIR", str(BASE_DIR / "var")))

# No default here: dev.py and test.py supply a throwaway key, prod.py refuses to start without one.
SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes={"http", "https"}).rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
# Behind a reverse proxy, trust the address it appends to X-Forwarded-For (sign-in throttling).
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "crm",
    "projects",
    "portal",
    "outbox",
    "ops",
    "today",
    "ui",
    "exchange",
    "api",
    # Global search and the history of changes (issue 17)
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    "history",
    "search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files (an SVG can hold script) carry the policy too.
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "history.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Plain text (email subjects and text parts): the same templates, never HTML-escaped, so
        # "R&D" stays "R&D" in a subject line.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "NAME": "text",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {"default": env_database("DATABASE_URL", default_sqlite=VAR_DIR / "rapport.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts and sign-in
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:sign_in"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed sign-ins: 5 per account within 30 minutes locks that account's sign-in for 30 minutes;
# 30 per address within 30 minutes does the same for the address (an office shares one).
SIGN_IN_FAILURES_PER_ACCOUNT = 5
SIGN_IN_FAILURES_PER_IP = 30
SIGN_IN_LOCKOUT = timedelta(minutes=30)
PASSWORD_RESET_TIMEOUT = 60 * 60  # reset links last an hour
# Absolute session lifetimes, counted from sign-in whatever the activity.
STAFF_SESSION_LIFETIME = timedelta(hours=12)
CONTACT_SESSION_LIFETIME = timedelta(days=7)
SESSION_COOKIE_AGE = int(CONTACT_SESSION_LIFETIME.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# History of changes (history/models.py): pgtrigger installs the history triggers after every
# `migrate` instead of writing them into crm's and projects' migrations; on SQLite it does nothing.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
# Content-Security-Policy on every response (django-csp). Every script is a file under static/;
# NONCE adds a per-request nonce only on a page that asks for `request.csp_nonce`. No inline
# style either: Bootstrap needs none in markup (its JS and Chart.js style elements through the
# CSSOM, which CSP allows), and Bootstrap's own icons are data: URLs in its CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses, switched off for every page (config.middleware).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment",
        "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
        "xr-spatial-tracking",
    )
}  # fmt: skip

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email. EMAIL_URL: smtp://user:password@host:587?tls=1, smtps://…, console://, file:///folder.
_email = env_email("EMAIL_URL", "console://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH")
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=300)
# How long a worker holds an email it is sending before another may take it over: longer than
# a send can take (EMAIL_TIMEOUT, the task's time limit), short enough to recover a killed worker.
EMAIL_LEASE_SECONDS = env_int("EMAIL_LEASE_SECONDS", 300, minimum=15, maximum=3600)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Rapport <rapport@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. The embedded default is Kombu's filesystem transport under var/, which needs no server.
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", "filesystem://", schemes={"filesystem", "redis", "rediss", "amqp", "memory"}
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # Kombu's default is ./control
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    # A dead broker must fail a publish within seconds, never hang a web request.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for the broker for as long as it takes
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, and handed back when its worker dies: the database row,
# not the message, says whether the work was done.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = env_int("CELERY_CONCURRENCY", 2, minimum=1, maximum=64)
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Often enough that /healthz notices a stopped beat within a minute.
    "beat-heartbeat": {"task": "ops.tasks.beat_heartbeat", "schedule": 30.0},
    # Reminders and reports are due on the hour in someone's zone, and a retried email is due
    # 30 s after its failure: a minute keeps every email within a minute of its time.
    "dispatch": {"task": "ops.tasks.dispatch", "schedule": 60.0},
    # A change marks its client stale in its own transaction; this sweep rescores marked clients
    # in batches, so a refresh lost while the broker was down waits a minute, not a night.
    "health-sweep": {"task": "crm.tasks.client_health_sweep", "schedule": 60.0},
    # Health decays with time alone (days since contact, items turning overdue), so every
    # client is rescored nightly; changes rescore their client at once (and the sweep above).
    "health-recompute": {"task": "crm.tasks.client_health_recompute_all", "schedule": crontab(hour=2, minute=30)},
    # Nothing reads a throttle hit or a spent sign-in link once it is a day old, nor a session
    # once it has expired: pruning once a night keeps those tables small; 03:15 UTC stays clear
    # of the 02:30 health run.
    "housekeeping": {"task": "ops.tasks.housekeeping", "schedule": crontab(hour=3, minute=15)},
}

# The web process (config/gunicorn.py reads these, so .env reaches gunicorn too).
WEB_BIND = env_str("WEB_BIND", "127.0.0.1:8000")
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2, minimum=1, maximum=64)
# The REST API (api/) and its OpenAPI schema. Requests are counted per token in the cache below.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsStaffMember"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# Requests per token (or per signed-in session) and period: "<n>/second|minute|hour|day".
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "120/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": "Clients, contacts, interactions, action items, check-ins, projects, milestones and risks.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["api.permissions.IsStaffMember"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from drf-spectacular-sidecar's static files, never a CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": f"api.schema.{name}"
        for name in [
            "InteractionKind",
            "CheckInKind",
            "CheckInState",
            "RiskKind",
            "RiskStatus",
            "ClientStatus",
            "ProjectStatus",
        ]
    },
}
# The cache behind API throttling. Unset: per-process memory (fine for one web process); with
# several processes or machines set a shared Redis, e.g. redis://127.0.0.1:6379/1.
_cache_url = env_str("CACHE_URL", "")
if _cache_url:
    _cache_url = env_url("CACHE_URL", _cache_url, schemes={"redis", "rediss"})
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "config.logging.RedactTokensFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["redact_tokens"]},
    },
    "loggers": {
        # runserver's request log: replaced so that its lines pass through the token filter too.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # One line per history trigger on every migrate (and every test flush) is noise.
        "pgtrigger": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
