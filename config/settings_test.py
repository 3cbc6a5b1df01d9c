"""Test settings: the real settings, overridden only for speed and for serving static files."""

import os

# The real settings refuse to start without a key when DEBUG is off, which tests keep off.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret-" + "0123456789" * 4)
os.environ.setdefault("DJANGO_HTTPS", "false")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage needs collectstatic; the live server in browser tests serves from finders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Serve static files from the app folders; there is no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The tests' calendar is their own: only the holidays a test sets, whatever the shell exports.
OWNERMAP_HOLIDAY_COUNTRY = OWNERMAP_HOLIDAY_SUBDIVISION = ""
OWNERMAP_HOLIDAYS = []
