"""Ownermap settings: every value comes from the environment (see .env.example).

With nothing set the app runs on a SQLite file in the project folder with no Redis, and is safe by
default: DEBUG is off and SECRET_KEY must be given, unless DJANGO_DEBUG turns development on
(the README's run command does that).
"""

import datetime
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import (
    env_bool,
    env_holidays,
    env_int,
    env_list,
    env_public_holidays,
    env_str,
    env_timezone,
    env_weekday,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    SECRET_KEY = "development-only-insecure-key-never-use-in-production"  # noqa: S105 - DEBUG only
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    # What Django's deploy check (security.W009) only warns about: a short key is guessable,
    # and everything signed with it (sessions, password resets) with it.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: it needs at least 50 characters, at least 5 of them "
        'different. Generate one with: python -c "import secrets; '
        'print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Full-text and trigram search on PostgreSQL; inert on SQLite.
    "django.contrib.postgres",
    "django_htmx",
    "simple_history",
    "axes",
    "tasks_registry",
    "ownership",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: a request longer than OWNERMAP_REQUEST_MAX_BYTES is
    # refused from its Content-Length.
    "config.errors.RequestBodyCap",
    "config.errors.ApiErrorsAsJson",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (a dashboard is 160 KiB of HTML); after WhiteNoise, which serves static
    # files compressed ahead of time and answers before this is reached. Django masks the CSRF
    # token afresh on each response, which is what keeps compression safe from BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.idle_sessions.RefreshActiveSession",
    # Every page requires sign-in; the few public views opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.csp",
                # The draft an ops lead edits the map in, for the banner (ownership/drafts.py).
                "ownership.drafts.draft_mode",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    _database = dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections: reconnecting costs ~2 ms a request (docs/reliability.md).
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except (ValueError, dj_database_url.UnknownSchemeError) as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {error}") from None
if _database["ENGINE"] not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured(
        "DATABASE_URL must be a sqlite:// or postgres:// URL; Ownermap supports only those."
    )
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        # WAL and a busy timeout let the dev server and a Celery worker share the file.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
if _database["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound on the server, so psycopg prepares a statement once it has run it five
    # times on a connection: the session, the signed-in user and the lookup's ranking, which
    # run on every keystroke, are planned once per connection instead of every time (planning
    # the ranking cost ~1 ms, as much as running it). Generic plans are as good as plans made
    # for each value for them (the lookup's parameters are JSON the planner cannot see into).
    # Django's own way matched a hand-written prepared cursor on the lookup and the dashboard
    # (bench/fast_paths.py). It needs a direct connection or a session-mode pool: a pooler in
    # transaction mode may hand a statement to a connection where it was never prepared.
    #
    # JIT off: PostgreSQL compiles any statement whose estimated cost passes jit_above_cost, and
    # the lookup's ranking (whose inputs are JSON the planner cannot count) is estimated far
    # above it. Compiling cost 40-50 ms a keystroke for a statement that runs in a few; no
    # statement of this app runs long enough for JIT to pay.
    _options = _database.setdefault("OPTIONS", {})
    # A database that does not answer fails a request in seconds, not after the OS's minutes.
    _options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1))
    _options.setdefault("server_side_binding", True)
    _options.setdefault("prepare_threshold", 5)
    _options["options"] = " ".join(
        ["-c plan_cache_mode=force_generic_plan -c jit=off", _options.get("options", "")]
    ).strip()
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ----------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "ownership.permissions.GroupPermissionBackend",
]
# Argon2 first (Django's argon2 extra): memory-hard, so a stolen hash is costly to guess
# offline, and cheaper for us to check online: 88 ms of one core per sign-in here against
# PBKDF2's 308 ms (bench/password_cost.py). With the throttle below, guessing clients cannot
# take the server's CPU. Older hashes still verify and are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Sign-in throttling (django-axes): after this many failures for one username, or from one
# address, within the cool-off, that username or address waits out the cool-off. An admin
# unlocks at once (Admin → Axes → Access attempts: delete), or `manage.py axes_reset`.
AXES_FAILURE_LIMIT = env_int("OWNERMAP_SIGN_IN_FAILURES", 10, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("OWNERMAP_SIGN_IN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# Ask admins to unlock rather than expose who tried which username to the logs' readers.
AXES_VERBOSE = False
# Django's database sessions: revoked at once on sign-out, in every process. A hand-written read
# saved 0.36-0.46 ms a request (bench/fast_paths.py), under the millisecond that pays for leaning
# on Django's internals; cached_db would need a cache shared by every process to stay revocable.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# The idle limit (ASVS 3.3.2): a session unused this long ends; config/idle_sessions.py keeps
# an active one alive.
SESSION_COOKIE_AGE = env_int("OWNERMAP_SESSION_IDLE_HOURS", 12, minimum=1) * 3600
# Flash messages in the session, not a cookie: one carries a new API token once.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "ownership:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Single sign-on (optional): OpenID Connect with the company's identity provider, through
# mozilla-django-oidc (ownership/identity/sso.py). Off unless the issuer, the client id and the
# client secret are all set; then the sign-in page offers "Sign in with <name>".
OWNERMAP_SSO_ISSUER = env_str("OWNERMAP_SSO_ISSUER").rstrip("/")
if OWNERMAP_SSO_ISSUER and not OWNERMAP_SSO_ISSUER.startswith(("http://", "https://")):
    raise ImproperlyConfigured("OWNERMAP_SSO_ISSUER must start with https:// (or http://).")
OWNERMAP_SSO_NAME = env_str("OWNERMAP_SSO_NAME", "your company account")
OIDC_RP_CLIENT_ID = env_str("OWNERMAP_SSO_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OWNERMAP_SSO_CLIENT_SECRET")
SSO_ON = bool(OWNERMAP_SSO_ISSUER and OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET)
# Only addresses of these domains may sign in (empty: any the provider vouches for).
OWNERMAP_SSO_EMAIL_DOMAINS = [
    domain.lower().lstrip("@") for domain in env_list("OWNERMAP_SSO_EMAIL_DOMAINS", [])
]
# Off: only superusers sign in with a password; everyone else through the provider.
OWNERMAP_SSO_PASSWORD_SIGN_IN = env_bool("OWNERMAP_SSO_PASSWORD_SIGN_IN", True)
# The ID token's claim that lists a person's groups, and which of them make an ops lead or a
# manager (comma-separated; empty: groups are given in the admin, as without SSO).
OWNERMAP_SSO_GROUPS_CLAIM = env_str("OWNERMAP_SSO_GROUPS_CLAIM", "groups")
OWNERMAP_SSO_OPS_LEAD_GROUPS = env_list("OWNERMAP_SSO_OPS_LEAD_GROUPS", [])
OWNERMAP_SSO_MANAGER_GROUPS = env_list("OWNERMAP_SSO_MANAGER_GROUPS", [])
OWNERMAP_SSO_MEMBER_GROUPS = env_list("OWNERMAP_SSO_MEMBER_GROUPS", [])
OIDC_RP_SIGN_ALGO = env_str("OWNERMAP_SSO_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email profile" + (" groups" if OWNERMAP_SSO_GROUPS_CLAIM else "")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OWNERMAP_SSO_TIMEOUT", 5, minimum=1)
OIDC_AUTHENTICATION_CALLBACK_URL = "ownership:sso_callback"
OIDC_REDIRECT_ALLOWED_HOSTS: list[str] = []
# Never reached: ownership/views/sso.py shows why a sign-in failed instead of redirecting.
LOGIN_REDIRECT_URL_FAILURE = "login"
if SSO_ON:
    AUTHENTICATION_BACKENDS.append("ownership.identity.sso.SignInBackend")

# --- Internationalisation ------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ------------------------------------------------------------------------------------

# Off only where TLS is genuinely absent (local `docker compose up` over plain HTTP).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# Healthchecks probe the container over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS preload needs a manual submission to browser vendors; it is not something a settings
# file can promise on behalf of whoever deploys Ownermap.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# A strict policy: scripts only from our origin with the per-request nonce that
# {% htmx_script %} adds, and no inline styles (htmx's indicator styles are disabled in base.html).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Email ---------------------------------------------------------------------------------------

# "console" prints mail to the terminal (the default with DEBUG on); "smtp" sends it.
EMAIL_TRANSPORT = env_str("EMAIL_TRANSPORT", "console" if DEBUG else "smtp")
MAILERS: dict[str, dict[str, object]]
if EMAIL_TRANSPORT == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
elif EMAIL_TRANSPORT == "smtp":
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 587, minimum=1),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    raise ImproperlyConfigured(f"EMAIL_TRANSPORT={EMAIL_TRANSPORT!r} is not console or smtp.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ownermap <ownermap@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery --------------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis:// or rediss://.")
CELERY_DATA_DIR = Path(env_str("CELERY_DATA_DIR", str(BASE_DIR / "var" / "celery")))
REDIS_TRANSPORT_OPTIONS: dict[str, object] = {
    # A Redis that accepts connections but never answers would otherwise block a request for
    # minutes (docs/reliability.md); fail in seconds instead.
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    # Longer than any retry's backoff (reviews/jobs.py): nothing is redelivered while waiting.
    "visibility_timeout": 3600,
}
# No Redis on a laptop: kombu's filesystem transport lets a real worker (with embedded beat)
# consume the same tasks from a folder.
FOLDER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(CELERY_DATA_DIR / "queue"),
    "data_folder_out": str(CELERY_DATA_DIR / "queue"),
    "processed_folder": str(CELERY_DATA_DIR / "processed"),
    # Its exchange tables; kombu's default is a "control" folder wherever the worker starts.
    "control_folder": str(CELERY_DATA_DIR / "control"),
    "store_processed": False,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = FOLDER_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Exactly one beat runs this (docker-compose.yml's beat service, or the worker's -B in `make run`).
# What is due lives in the database: the sweep finds it, so a missed tick costs nothing.
OWNERMAP_REFRESH_HOUR = env_int("OWNERMAP_REFRESH_HOUR", 2, minimum=0)
if OWNERMAP_REFRESH_HOUR > 23:
    raise ImproperlyConfigured("OWNERMAP_REFRESH_HOUR is an hour of the day, 0 to 23.")
CELERY_BEAT_SCHEDULE = {
    "sweep": {
        "task": "reviews.sweep",
        "schedule": env_int("OWNERMAP_SWEEP_EVERY_SECONDS", 300, minimum=10),
    },
    # Every next due date again, at night: holidays and time zone changes take effect alone.
    "refresh-due-dates": {
        "task": "tasks_registry.refresh_due_dates",
        "schedule": crontab(hour=OWNERMAP_REFRESH_HOUR, minute=30),
    },
    # After it, every task's gap facts checked against the map and put right.
    "heal-gap-facts": {
        "task": "ownership.heal_gap_facts",
        "schedule": crontab(hour=OWNERMAP_REFRESH_HOUR, minute=45),
    },
}
# The weekly digest is made by the week's first sweep from this hour on Monday (local time), or
# by any later sweep that week if Monday's were missed.
OWNERMAP_DIGEST_HOUR = env_int("OWNERMAP_DIGEST_HOUR", 7, minimum=0)

# --- Logging -------------------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not DEBUG, INFO, WARNING or ERROR.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django-axes tells of every sign-in at INFO; lock-outs, which matter, come at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Ownermap ------------------------------------------------------------------------------------

OWNERMAP_SITE_NAME = env_str("OWNERMAP_SITE_NAME", "Ownermap")
# Whom a refused page names as able to grant access (config/errors.py): the apps' own answer.
OWNERMAP_WHO_GRANTS_ACCESS = "ownership.permissions.who_grants_access"
# Who answers for a task when nobody else can (ownership/answerer.py): this person, by email;
# unset, the first ops lead by name.
OWNERMAP_LAST_RESORT_EMAIL = env_str("OWNERMAP_LAST_RESORT_EMAIL", "")
# A notice claimed longer ago than this was being sent by a worker that died: it is tried again.
# Well above the mail server's timeout (MAILERS), so a live sender's claim never runs out.
OWNERMAP_NOTICE_CLAIM_SECONDS = env_int("OWNERMAP_NOTICE_CLAIM_SECONDS", 900, minimum=60)
# Where the site is reached, for links printed outside a request (the whoowns command).
OWNERMAP_BASE_URL = env_str("OWNERMAP_BASE_URL", "http://127.0.0.1:8000")
if not OWNERMAP_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("OWNERMAP_BASE_URL must start with http:// or https://.")

# The gap rules (ownership/gap_rules.py). One person accountable for more critical tasks than this
# is a bus-factor risk: the "overloaded owner" flag.
OWNERMAP_MAX_CRITICAL_TASKS = env_int("OWNERMAP_MAX_CRITICAL_TASKS", 3, minimum=1)
# Days past a due date before an occurrence with no completion counts as overdue.
OWNERMAP_OVERDUE_GRACE_DAYS = {
    "critical": env_int("OWNERMAP_GRACE_DAYS_CRITICAL", 0, minimum=0),
    "high": env_int("OWNERMAP_GRACE_DAYS_HIGH", 1, minimum=0),
    "normal": env_int("OWNERMAP_GRACE_DAYS_NORMAL", 3, minimum=0),
}
# A task not confirmed in any review for longer than this is stale (a quarter, and a little).
OWNERMAP_STALE_AFTER_DAYS = env_int("OWNERMAP_STALE_AFTER_DAYS", 92, minimum=1)

# Escalation and attestation defaults per criticality (ownership/policies.py); ops leads edit
# them in the browser, and what they save replaces these. Each step is who hears of an overdue
# occurrence and how many business days after it fell overdue (its day plus its grace).
OWNERMAP_ESCALATION_STEPS = {
    "critical": [("owner", 0), ("backup", 1), ("escalation", 2), ("last_resort", 3)],
    "high": [("owner", 0), ("backup", 2), ("escalation", 4), ("last_resort", 6)],
    "normal": [("owner", 0), ("backup", 3), ("escalation", 6), ("last_resort", 10)],
}
# How often an owner attests that a task is still theirs and still right, in days.
OWNERMAP_ATTEST_EVERY_DAYS = {
    "critical": env_int("OWNERMAP_ATTEST_DAYS_CRITICAL", 30, minimum=1),
    "high": env_int("OWNERMAP_ATTEST_DAYS_HIGH", 60, minimum=1),
    "normal": env_int("OWNERMAP_ATTEST_DAYS_NORMAL", 90, minimum=1),
}

# Rhythms (tasks_registry/rhythms): holidays are not business days. Comma-separated ISO dates for
# one year (2026-04-03) and month-days for every year (12-25).
OWNERMAP_HOLIDAYS = env_holidays("OWNERMAP_HOLIDAYS")
# And a country's public holidays, from the `holidays` package: its ISO code (GB, US, DE…) and,
# where they differ within it, a subdivision (ENG, NY, BY…). Unset, none.
OWNERMAP_HOLIDAY_COUNTRY, OWNERMAP_HOLIDAY_SUBDIVISION = env_public_holidays(
    "OWNERMAP_HOLIDAY_COUNTRY", "OWNERMAP_HOLIDAY_SUBDIVISION"
)
# "My tasks" and the completion form look this many days ahead.
OWNERMAP_DUE_SOON_DAYS = env_int("OWNERMAP_DUE_SOON_DAYS", 30, minimum=1)

# Reviews (reviews/scheduling.py). The quarterly review falls on this weekday of the quarter's
# first or second week, facilitated by this manager (an email or a username; by default the
# first manager on the map).
OWNERMAP_REVIEW_WEEKDAY = env_weekday("OWNERMAP_REVIEW_WEEKDAY", "tuesday")
OWNERMAP_REVIEW_WEEK = env_int("OWNERMAP_REVIEW_WEEK", 1, minimum=1)
if OWNERMAP_REVIEW_WEEK > 2:
    raise ImproperlyConfigured("OWNERMAP_REVIEW_WEEK must be 1 or 2: a quarter's first two weeks.")
OWNERMAP_REVIEW_FACILITATOR = env_str("OWNERMAP_REVIEW_FACILITATOR")
# A post-campaign review falls this many business days after the campaign ends.
OWNERMAP_POST_CAMPAIGN_REVIEW_DAYS = env_int("OWNERMAP_POST_CAMPAIGN_REVIEW_DAYS", 2, minimum=0)
# A campaign first seen longer than this after it ended still gets its review, marked late; one
# known in time whose review the schedule missed for longer than this gets none.
OWNERMAP_POST_CAMPAIGN_REVIEW_HORIZON_DAYS = env_int(
    "OWNERMAP_POST_CAMPAIGN_REVIEW_HORIZON_DAYS", 30, minimum=1
)
# Facilitator and participants hear about a session this many days before it.
OWNERMAP_REVIEW_REMINDER_DAYS = env_int("OWNERMAP_REVIEW_REMINDER_DAYS", 2, minimum=0)
# Optional: the same notices posted as {"text": ...} to a Slack-compatible incoming webhook.
OWNERMAP_CHAT_WEBHOOK_URL = env_str("OWNERMAP_CHAT_WEBHOOK_URL")
if OWNERMAP_CHAT_WEBHOOK_URL and not OWNERMAP_CHAT_WEBHOOK_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("OWNERMAP_CHAT_WEBHOOK_URL must start with http:// or https://.")

# --- Slack (optional): the app docs/slack/manifest.yml describes (ownership/chat/slack). Without
# the signing secret and the bot token, /slack/ answers 404 and nothing goes to Slack.
SLACK_SIGNING_SECRET = env_str("SLACK_SIGNING_SECRET")
SLACK_BOT_TOKEN = env_str("SLACK_BOT_TOKEN")
# Where the Web API is: Slack's own unless a test points it at a local server.
SLACK_API_URL = env_str("SLACK_API_URL", "https://slack.com/api/")
if not SLACK_API_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SLACK_API_URL must start with http:// or https://.")
# Seconds a Web API call may take before the notice falls back to email.
SLACK_TIMEOUT = env_int("SLACK_TIMEOUT", 5, minimum=1)
# The channel (its id, e.g. C0123456789) a review session's summary is posted to, once.
SLACK_SUMMARY_CHANNEL = env_str("SLACK_SUMMARY_CHANNEL")

# Import (ownership/sheets): the largest file read, and the most rows in one file.
OWNERMAP_IMPORT_MAX_BYTES = env_int("OWNERMAP_IMPORT_MAX_BYTES", 10_000_000, minimum=1000)
OWNERMAP_IMPORT_MAX_ROWS = env_int("OWNERMAP_IMPORT_MAX_ROWS", 20_000, minimum=1)
# An .xlsx is a zip: what its parts add up to once unpacked, read from the zip's directory
# before anything is unpacked (a 0.4 MB file can unpack to 400 MB).
OWNERMAP_IMPORT_MAX_EXPANDED_BYTES = env_int(
    "OWNERMAP_IMPORT_MAX_EXPANDED_BYTES", 100_000_000, minimum=1_000_000
)
# The longest cell read, in characters: a definition of done is a few lines, not a book.
OWNERMAP_IMPORT_MAX_CELL_CHARS = env_int("OWNERMAP_IMPORT_MAX_CELL_CHARS", 10_000, minimum=100)
# No request body longer than this is read at all (the largest import and a little for the
# form around it); a longer one is refused from its Content-Length.
OWNERMAP_REQUEST_MAX_BYTES = env_int(
    "OWNERMAP_REQUEST_MAX_BYTES", OWNERMAP_IMPORT_MAX_BYTES + 1_000_000, minimum=100_000
)
# Minutes an import's preview may be applied after it was made: the map moves on.
OWNERMAP_IMPORT_PREVIEW_MINUTES = env_int("OWNERMAP_IMPORT_PREVIEW_MINUTES", 60, minimum=1)
# An import job still queued or running after this long lost its worker: it may be applied again.
OWNERMAP_IMPORT_JOB_MINUTES = env_int("OWNERMAP_IMPORT_JOB_MINUTES", 30, minimum=1)
