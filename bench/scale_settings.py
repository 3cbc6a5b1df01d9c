"""Settings for bench/scale.py's server: the app's own, with the floor view beside its URLs."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.scale_urls"
