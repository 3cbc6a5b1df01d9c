"""What the benches that go over real HTTP share: this checkout's gunicorn, started and waited
for, and a signed-in session made directly in the database."""

import http.client
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUP_BACKEND = "ownership.permissions.GroupPermissionBackend"


def start_gunicorn(env: dict[str, str], port: int, *, workers: int = 1) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port`, returned once /healthz answers."""
    server = subprocess.Popen(  # noqa: S603 - this checkout's own gunicorn
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(workers), "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit(f"gunicorn did not start on port {port}")


def session_cookie(username: str, backend: str = GROUP_BACKEND) -> str:
    """A signed-in session for `username` through `backend`; Django must be set up."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key
