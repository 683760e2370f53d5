"""Settings for the platform.

Defaults start the embedded platform (SQLite under var/, background work in process).
Production sets the variables documented next to each setting below.
"""

from pathlib import Path
from typing import Any

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# SECRET_KEY: required in production; the embedded default is for local use only.
SECRET_KEY = env_str("SECRET_KEY", "embedded-development-key-change-me")
# DEBUG: off unless asked for.
DEBUG = env_bool("DEBUG", False)
# ALLOWED_HOSTS: comma separated host names.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "govsvc.core",
    "govsvc.accounts",
    "govsvc.directory",
    "govsvc.catalog",
    "govsvc.bundles",
    "govsvc.supervision",
    "govsvc.cases",
    "govsvc.search",
    "govsvc.portal",
    "govsvc.hotline",
    "govsvc.policies",
    "govsvc.evaluations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
]

# DATABASE_URL: e.g. postgres://user:pass@127.0.0.1:5432/govsvc. Empty means SQLite in var/.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'govsvc.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# The long-distance area code of the city running the platform (武汉 027): a caller who gives
# a 7- or 8-digit local landline number means one in this area.
CITY_AREA_CODE = env_str("CITY_AREA_CODE", "027")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/accounts/login/"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "govsvc.accounts.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "govsvc.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "高效办成一件事 政务服务平台 API",
    "DESCRIPTION": "Service catalog, bundled services (一件事), cases, 12345 hotline, "
    "evaluations and policies. Versioned under /api/v1/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models reuse field names (status, kind, level, channel, ...) for different
    # choice sets, and some serializers reuse a model's choices under another field name.
    # Name each shared choice set once so clients get stable, domain-specific enums.
    "ENUM_NAME_OVERRIDES": {
        "ItemStatusEnum": "govsvc.catalog.models.Status",
        "ItemLevelEnum": "govsvc.catalog.models.ItemLevel",
        "BundleAudienceEnum": "govsvc.bundles.models.Audience",
        "CaseStatusEnum": "govsvc.cases.models.CaseStatus",
        "SubCaseStatusEnum": "govsvc.cases.models.SubStatus",
        "DeliveryMethodEnum": "govsvc.cases.models.DeliveryMethod",
        "TicketKindEnum": "govsvc.hotline.models.Kind",
        "TicketStatusEnum": "govsvc.hotline.models.Status",
        "TicketChannelEnum": "govsvc.hotline.models.Channel",
        "EmergencyLineEnum": "govsvc.hotline.models.EmergencyLine",
        "PolicyAudienceEnum": "govsvc.policies.models.Audience",
        "ActKindEnum": "govsvc.evaluations.models.ActKind",
        "RatingLevelEnum": "govsvc.evaluations.models.Level",
        "RatingChannelEnum": "govsvc.evaluations.models.Channel",
        "AppealGroundEnum": "govsvc.evaluations.models.AppealGround",
        "DeskOutcomeEnum": "govsvc.evaluations.models.DeskOutcome",
    },
}

# CELERY_BROKER_URL: e.g. redis://127.0.0.1:6379/0. Empty runs background work in process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing fails fast when the broker is down; the periodic sweep picks the work up later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# CELERY_SWEEP_SECONDS: how often beat relays the outbox and retries due webhook deliveries.
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "cases.relay_outbox",
        "schedule": float(env_int("CELERY_SWEEP_SECONDS", 15)),
    },
    "deliver-webhooks": {
        "task": "cases.deliver_webhooks",
        "schedule": float(env_int("CELERY_SWEEP_SECONDS", 15)),
    },
}
# CASES_RELAY_GATHER_SECONDS: with a broker and a shared cache, how long a queued outbox relay
# waits to gather more events (in-app notices reach residents that much later).
CASES_RELAY_GATHER_SECONDS = float(env_str("CASES_RELAY_GATHER_SECONDS", "0.2"))
# CASES_DELIVERY_LEASE_SECONDS: how long a worker owns a webhook delivery it is sending.
CASES_DELIVERY_LEASE_SECONDS = env_int("CASES_DELIVERY_LEASE_SECONDS", 60)

# GC_SETTLE_AFTER_REQUESTS: a web process freezes its long-lived objects out of the garbage
# collector's walks at start and again after this many requests (0: never; see core/heap.py).
GC_SETTLE_AFTER_REQUESTS = env_int("GC_SETTLE_AFTER_REQUESTS", 50)

# API_TOKEN_CACHE_SECONDS: how long a process keeps a resolved bearer token (0: not at all).
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 5)

# CACHE_URL: e.g. redis://127.0.0.1:6379/1, shared by every process (production runs several).
# Empty keeps a per-process memory cache, right for the single embedded process.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "govsvc.core.caching.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
    }
)

# OIDC login for production (the province's unified identity platform, for example).
# Set OIDC_RP_CLIENT_ID to enable it, with OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT,
# OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT and OIDC_OP_JWKS_ENDPOINT (RS256) from the
# provider. Local accounts keep working beside it.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.insert(0, "mozilla_django_oidc.auth.OIDCAuthenticationBackend")
    OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
    OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
    LOGIN_REDIRECT_URL = "/cases/"

# Files (application materials, results). Local under MEDIA_ROOT by default; set
# S3_BUCKET (with S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION) for an
# S3-compatible object store such as MinIO or a government cloud's OSS.
S3_BUCKET = env_str("S3_BUCKET", "")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", ""),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", ""),
            "region_name": env_str("S3_REGION", "") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
