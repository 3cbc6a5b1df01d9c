"""Lighthouse on the pages people use most, desktop and mobile, as the closing figures of issue 18
ask: the accessibility, best-practice and performance scores, and the main-thread blocking (Total
Blocking Time) that the mobile profile's slowed CPU shows on the heavy pages.

The app runs as in production: gunicorn (2 workers), DEBUG off, WhiteNoise's compressed manifest
static files (collected into staticfiles/, as a deployment does), on a fresh demo store in a
temporary SQLite file (migrate, seed_demo, sweep; --tasks adds a generated map to it), unless
BENCH_DATABASE_URL names another database that has one.
Lighthouse comes from the npm registry, pinned by bench/lighthouse/package-lock.json, and drives
Debian's Chromium:

    npm ci --prefix bench/lighthouse
    .venv/bin/python bench/lighthouse.py                  # every page, desktop and mobile
    .venv/bin/python bench/lighthouse.py map raci --mobile --tasks 1000 --people 40

Run it on a quiet machine: the performance score and TBT move with the load of the other core.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.serving import session_cookie, start_gunicorn  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PORT = 8790
CATEGORIES = ("accessibility", "best-practices", "performance")


def pages() -> dict[str, tuple[str, str]]:
    """Name: (path, who looks at it). Run after django.setup()."""
    from reviews.models import ReviewItem

    item = ReviewItem.objects.order_by("session_id", "position", "pk").first()
    found = {
        "dashboard": ("/", "opslead"),
        "search": ("/search/?q=refund", "member"),
        "task": ("/tasks/pricing-updates/", "opslead"),
        "my-tasks": ("/my/", "opslead"),
        "map": ("/map/", "member"),
        "raci": ("/map/raci", "manager"),
    }
    if item is not None:
        found["review-item"] = (f"/reviews/{item.session_id}/items/{item.pk}/", "manager")
    return found


def environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite:///{folder / 'lighthouse.sqlite3'}"
        ),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "bench-only-not-secret-" + "0123456789" * 4,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(  # noqa: S603 - this checkout's own manage.py
        [str(ROOT / ".venv/bin/python"), "manage.py", *arguments],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def prepare(env: dict[str, str], tasks: int, people: int) -> None:
    manage(env, "collectstatic", "--no-input")
    if "BENCH_DATABASE_URL" not in os.environ:
        manage(env, "migrate", "--no-input")
        manage(env, "seed_demo")
        if tasks:
            manage(env, "generate_map", "--tasks", str(tasks), "--people", str(people))
        manage(env, "sweep", "--no-send")


def sessions(env: dict[str, str], usernames: set[str]) -> dict[str, str]:
    """A signed-in session cookie for each demo login, made in this process."""
    os.environ.update(env)
    import django

    django.setup()
    return {username: session_cookie(username) for username in usernames}


def audit(path: str, cookie: str, form_factor: str, folder: Path) -> dict:
    report = folder / "report.json"
    report.unlink(missing_ok=True)
    command = [
        str(LIGHTHOUSE), f"http://127.0.0.1:{PORT}{path}",
        "--output=json", f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--extra-headers={json.dumps({'Cookie': f'sessionid={cookie}'})}",
    ]  # fmt: skip
    if form_factor == "desktop":
        command.append("--preset=desktop")
    for _ in range(3):  # Chromium now and then records no navigation (NO_NAVSTART): again
        done = subprocess.run(  # noqa: S603 - the pinned Lighthouse, on our own server
            command, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True
        )
        if not done.returncode and report.exists():
            break
    else:
        sys.exit(f"Lighthouse failed on {path} ({form_factor}):\n{done.stderr[-3000:]}")
    result = json.loads(report.read_text(encoding="utf-8"))
    if result["finalDisplayedUrl"].rstrip("/").endswith("/accounts/login"):
        sys.exit(f"{path}: Lighthouse was sent to the sign-in page")
    audits = result["audits"]
    return {
        **{name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES},
        "tbt": audits["total-blocking-time"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        "failed": sorted(
            key
            for key, found in audits.items()
            if found.get("score") == 0 and found.get("scoreDisplayMode") == "binary"
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="page names (default: all)")
    parser.add_argument("--mobile", action="store_true", help="the mobile profile only")
    parser.add_argument("--desktop", action="store_true", help="the desktop profile only")
    parser.add_argument(
        "--tasks", type=int, default=0, help="a bigger store: this many more tasks (generate_map)"
    )
    parser.add_argument("--people", type=int, default=40, help="and this many more people")
    arguments = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: npm ci --prefix bench/lighthouse")
    form_factors = [
        name
        for name, wanted in (("desktop", not arguments.mobile), ("mobile", not arguments.desktop))
        if wanted
    ]
    with tempfile.TemporaryDirectory(prefix="ownermap-lighthouse-") as temporary:
        folder = Path(temporary)
        env = environment(folder)
        prepare(env, arguments.tasks, arguments.people)
        cookies = sessions(env, {"member", "opslead", "manager"})
        chosen = {
            name: page
            for name, page in pages().items()
            if not arguments.only or name in arguments.only
        }
        server = start_gunicorn(env, PORT, workers=2)
        try:
            print(f"{'page':<12} {'profile':<8} {'a11y':>4} {'b.p.':>4} {'perf':>4} "
                  f"{'TBT ms':>7} {'LCP ms':>7} {'KiB':>6}  failed audits")  # fmt: skip
            for name, (path, who) in chosen.items():
                for form_factor in form_factors:
                    found = audit(path, cookies[who], form_factor, folder)
                    print(
                        f"{name:<12} {form_factor:<8} {found['accessibility']:>4} "
                        f"{found['best-practices']:>4} {found['performance']:>4} "
                        f"{found['tbt']:>7.0f} {found['lcp']:>7.0f} {found['bytes'] / 1024:>6.0f}"
                        f"  {' '.join(found['failed']) or '-'}",
                        flush=True,
                    )
        finally:
            server.terminate()


if __name__ == "__main__":
    main()
