"""Settings for bench/fast_paths.py: the app's settings with some of its hand-written fast paths
swapped for Django's own, by FAST_PATH_VARIANT (comma-separated): stock-sessions (Django's
database sessions), stock-auth (ModelBackend), stock-prepare (Django's cursors with psycopg's
server-side binding and its own prepared-statement threshold, instead of config/db.py)."""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

VARIANT = set(filter(None, os.environ.get("FAST_PATH_VARIANT", "").split(",")))

if "stock-sessions" in VARIANT:
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
if "stock-auth" in VARIANT:
    AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if "stock-prepare" in VARIANT:
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    import config.db

    def _django_cursor(connection=None, *, binary=False):
        from django.db import connection as default

        return (connection or default).cursor()

    # Before any module has imported it: every `from config.db import prepared_cursor` gets this.
    config.db.prepared_cursor = _django_cursor
