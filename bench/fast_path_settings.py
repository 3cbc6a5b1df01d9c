"""Settings for bench/fast_paths.py: the app's settings with some of its hand-written fast paths
swapped for Django's own, by FAST_PATH_VARIANT (comma-separated): stock-auth (ModelBackend),
client-binding (Django's default client-side binding: nothing is prepared)."""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

VARIANT = set(filter(None, os.environ.get("FAST_PATH_VARIANT", "").split(",")))

if "stock-auth" in VARIANT:
    AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if "client-binding" in VARIANT:
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = False
