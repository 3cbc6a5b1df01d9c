"""What one sign-in costs the server: verifying a password with each hasher Django offers, on
this machine, and how many guesses a second one core can take. Run it before choosing a
hasher or changing its cost:

    .venv/bin/python bench/password_cost.py

Prints one line per hasher: `name: median … ms per check (… checks/s per core), peak … MB`.
"""

import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import check_password, get_hasher, make_password  # noqa: E402

HASHERS = ["argon2", "pbkdf2_sha256", "scrypt"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))


def main() -> None:
    for name in HASHERS:
        encoded = make_password("correct horse battery staple", hasher=name)
        timings = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            assert check_password("correct horse battery staple", encoded)
            timings.append(time.perf_counter() - started)
        median = statistics.median(timings)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{name} ({get_hasher(name).__class__.__name__}): median {median * 1000:.0f} ms "
            f"per check ({1 / median:.1f} checks/s per core), peak {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
