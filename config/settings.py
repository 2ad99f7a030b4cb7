"""Settings for the partner renewal portal, read from the environment.

``DJANGO_ENV`` picks the mode: ``development`` (the default: safe local defaults, SQLite, console
email), ``test`` (chosen automatically under pytest: fast hashing, in-memory email and cache) or
``production`` (strict: every secret must come from the environment, HTTPS only).
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
import jinja2
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
ENV = env("DJANGO_ENV", default="test" if "pytest" in sys.modules else "development")
PRODUCTION = ENV == "production"
TESTING = ENV == "test"

DEBUG = env.bool("DJANGO_DEBUG", default=ENV == "development")
if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "csp",
    "django_celery_beat",
    "partners",
    "renewals",
    "notifications",
    "offers",
    "followups",
    "imports",
    "rest_framework",
    "drf_spectacular",
    "api",  # the REST API and webhooks: on top of the apps, imported by none of them
    "demo",  # seed_demo: above the three apps, imported by none of them
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every response, the 400 below included, gets the policy and Cache-Control: no-store.
    "csp.middleware.CSPMiddleware",
    "config.security.NoStoreMiddleware",
    "config.middleware.RejectNulBytesMiddleware",  # 400 for NUL anywhere, before session or DB
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partners.access.CurrentPartnerMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files straight from the app server, compressed and cache-busted (collectstatic first).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.context_processors.current_partner",
                "renewals.banners.banner_context",
                "followups.context_processors.call_tasks_due",
            ],
        },
    },
    # Jinja2 only where Django's template language is too slow per node: the dashboard's 50 rows
    # (renewals/rows.py says why). Every label is translated in Python before it gets there.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"undefined": jinja2.StrictUndefined},  # a misspelt name fails loudly
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", 0 if TESTING else 60)
# PostgreSQL timeouts, so a database that does not answer costs a request seconds, not minutes (the user
# gets the error page). connect_timeout (whole seconds, at least 2) bounds opening a connection;
# statement_timeout is enforced by the server and cancels a longer statement (0: none of ours). Web requests
# get DATABASE_STATEMENT_TIMEOUT. The Celery worker and beat get DATABASE_WORKER_STATEMENT_TIMEOUT:
# they work in short chunks but must never wait forever. Management commands (migrate, seed_demo at a
# million orders, send_reminders, an operator's shell) run long statements on purpose: no limit.
_program, _command = Path(sys.argv[0] if sys.argv else ""), sys.argv[1] if len(sys.argv) > 1 else ""
if "celery" in (_program.name, _program.parent.name):
    DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_WORKER_STATEMENT_TIMEOUT", default=300)
elif (_program.name in ("manage.py", "django-admin") or _program.parent.name == "django") and _command != "runserver":
    DATABASE_STATEMENT_TIMEOUT = 0
else:
    DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=30)
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    if DATABASE_STATEMENT_TIMEOUT > 0:
        _statement_timeout = f"-c statement_timeout={round(DATABASE_STATEMENT_TIMEOUT * 1000)}"
        _options["options"] = f"{_options.get('options', '')} {_statement_timeout}".strip()
    # The planner's cost of a random page read. PostgreSQL's default (4) assumes spinning disks: with
    # it, a partner's orders over a date range were read through the whole partner's index entries
    # (100,000 at the largest) rather than the (partner, date) index, as if a random heap read were
    # four times a sequential one; with the working set in memory or on SSD it is about the same
    # (1.1 is the usual setting for both). Empty: leave the server's own setting.
    DATABASE_RANDOM_PAGE_COST = env.str("DATABASE_RANDOM_PAGE_COST", default="1.1")
    if DATABASE_RANDOM_PAGE_COST:
        _random_page_cost = f"-c random_page_cost={float(DATABASE_RANDOM_PAGE_COST)}"
        _options["options"] = f"{_options.get('options', '')} {_random_page_cost}".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (the run command's default) has one writer at a time. A transaction that reads before it
    # writes (every row-locking service: select_for_update is a no-op here) fails at once with "database
    # is locked" when another did the same, as SQLite will not wait on a deadlock. BEGIN IMMEDIATE takes
    # the write lock at the start, so writers queue, each up to ``timeout`` seconds.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("transaction_mode", "IMMEDIATE")
    _options.setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Every key this app writes to Redis (broker and cache) starts with this, so apps sharing a Redis
# never read each other's keys.
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="renewal-portal")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": REDIS_KEY_PREFIX}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Throttle repeated failed logins per username and address (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind the TLS proxy REMOTE_ADDR is the proxy, the same for everyone: failed logins are counted
# against the client address the trusted proxies put in X-Forwarded-For (config/security.py).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip_address"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language cookie is read by the server only; over HTTPS only in production, like the session's.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]  # one date and one date-time format per language
DEFAULT_PARTNER_TIME_ZONE = "Asia/Seoul"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: the console in development, memory in tests, SMTP as soon as EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds to wait for each SMTP reply: long enough for a slow server to answer after storing a
# message (a reply given up on is retried: a duplicate, see README "Exactly once").
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=60)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="renewals@portal.example")
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / ".run" / "emails"))

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_KEY_PREFIX}:"}
# The queue every task goes to and the worker consumes (Procfile): its own name, not Celery's
# shared default "celery", so another app's worker on the same Redis never takes our tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="renewal-portal")
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, never inline
# (every script lives in static/js/); images also as data: URIs (Bootstrap's icons). The two pages that
# show a reminder email in a sandboxed srcdoc frame allow its inline styles (notifications/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
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

# One handler, on the root: every line is printed once, in one format. Naming "django" here drops the
# handlers Django installs on it by default (a second console line in DEBUG). An expected 4xx (404,
# 403) is one line without its traceback; runserver's access line for a response of 400 or more is
# dropped, as django.request has already logged it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_client_error_traceback": {"()": "config.logging.NoClientErrorTraceback"},
        "not_logged_by_django_request": {"()": "config.logging.NotLoggedByDjangoRequest"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_client_error_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "filters": ["not_logged_by_django_request"], "propagate": True},
        "axes": {"level": "WARNING"},
    },
}

# How renewals get their certificates: the simulated CA issues at once (demo, tests);
# "renewals.issuance.ManualIssuance" waits for staff to paste the PEM the real CA issued.
RENEWALS_ISSUANCE_BACKEND = env("RENEWALS_ISSUANCE_BACKEND", default="renewals.issuance.SimulatedCA")
# Customer renewal links (signed) stay valid this many days.
CUSTOMER_LINK_MAX_AGE_DAYS = env.int("CUSTOMER_LINK_MAX_AGE_DAYS", default=120)

# Reminder emails
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="renewals.portal.example")
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The most Celery tasks that share one reminder sweep (beat's task and the helpers it queues).
REMINDER_SWEEP_TASKS = env.int("REMINDER_SWEEP_TASKS", default=4)
CELERY_TASK_ALWAYS_EAGER = TESTING
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

# The REST API (/api/v1/, the api app): partner tokens only, JSON only, cursor pages, throttled per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE_LIMIT", default="600/min")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Partner renewal portal API"),
    "DESCRIPTION": _("Customers, orders, certificates, reminders and notes of one partner; renew and reissue."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "renewals.models.OrderStatus",
        "EmailStatusEnum": "notifications.models.EmailStatus",
    },
}
# Webhooks: attempts before a delivery is failed (backoff 1, 2, 4 … minutes, at most an hour apart),
# and whether an endpoint may point at a private, loopback or link-local address (SSRF): never in
# production unless said so, allowed in development and tests (receivers on 127.0.0.1).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=not PRODUCTION)
