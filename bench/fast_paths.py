"""Are the hand-written fast paths worth keeping? Each against Django's own, over real HTTP.

ownership/permissions.py (the user and permissions in one statement) saves time per keystroke
and leans on Django's internals; server-side binding (config/settings.py) prepares what runs
often. Two more were weighed here and are gone: a hand-written prepared cursor (config/db.py)
tied with server-side binding, and a hand-written session read won 0.36-0.46 ms p50, under
the millisecond. This starts gunicorn
(one sync worker) on the bench database once per variant, signs a member in, and times the
lookup's HTMX fragment for bench/lookup.py's queries over one keep-alive connection, variants
alternating by round:

    .venv/bin/python bench/lookup.py        # once: builds the 10,000-task bench database
    .venv/bin/python bench/fast_paths.py    # BENCH_DATABASE_URL as bench/lookup.py

A piece is worth its upkeep if it wins by more than 1 ms p50.
"""

import http.client
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import QUERIES, percentile  # noqa: E402
from bench.lookup import DATABASE_URL  # noqa: E402
from bench.serving import session_cookie, start_gunicorn  # noqa: E402

VARIANTS = {
    "as built": "",
    "ModelBackend": "stock-auth",
    "nothing prepared": "client-binding",
    "all Django's defaults": "stock-auth,client-binding",
}
ROUNDS = 5
ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_SETTINGS_MODULE": "bench.fast_path_settings",
    "DJANGO_SECRET_KEY": "bench-only-not-secret-" + "0123456789" * 4,
    "DJANGO_DEBUG": "false",
    "DJANGO_HTTPS": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
    "PYTHONPATH": str(ROOT),
}


def session_key(backend: str) -> str:
    """A signed-in session for bench-member through `backend`, made in this process (both
    session engines read it)."""
    os.environ.update({k: v for k, v in ENV.items() if k != "PYTHONPATH"})
    os.environ["FAST_PATH_VARIANT"] = ""
    import django

    django.setup()
    return session_cookie("bench-member", backend)


def start(variant: str, port: int) -> subprocess.Popen:
    return start_gunicorn({**ENV, "FAST_PATH_VARIANT": variant}, port)


def round_of(port: int, cookie: str) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": f"sessionid={cookie}", "HX-Request": "true"}
    samples = []
    for query in QUERIES:
        path = "/search/?" + urllib.parse.urlencode({"q": query})
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (query, response.status)
        assert b"results" in body, query
    connection.close()
    return samples


def main() -> None:
    cookies = {
        False: session_key("ownership.permissions.GroupPermissionBackend"),
        True: session_key("django.contrib.auth.backends.ModelBackend"),
    }
    servers = {
        name: (start(variant, 8700 + at), 8700 + at, cookies["stock-auth" in variant])
        for at, (name, variant) in enumerate(VARIANTS.items())
    }
    try:
        samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for _, port, cookie in servers.values():
            round_of(port, cookie)  # warm-up: connection, prepared statements, templates
        for _ in range(ROUNDS):
            for name, (_, port, cookie) in servers.items():
                samples[name] += round_of(port, cookie)
    finally:
        for server, _, _ in servers.values():
            server.terminate()
    base = percentile(samples["as built"], 0.5)
    print(f"{len(QUERIES)} queries x {ROUNDS} rounds over HTTP, gunicorn, one sync worker")
    for name, times in samples.items():
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        print(
            f"{name:<30} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  mean "
            f"{statistics.fmean(times):6.2f} ms  p50 vs as built {p50 - base:+.2f} ms"
        )


if __name__ == "__main__":
    main()
