import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app

log = logging.getLogger(__name__)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        log.warning("healthz: database unreachable: %s", error)
        return "unreachable"
    return "ok"


def _broker() -> str:
    """Whether a job could be queued now (Redis, or the folder queue). Bounded by the broker's
    own timeouts (two seconds: settings.REDIS_TRANSPORT_OPTIONS)."""
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except Exception as error:
        log.warning("healthz: broker unreachable: %s", error)
        return "unreachable"
    return "ok"


@require_GET
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose healthchecks: the database and the job broker, each on
    its own. 503 only when the database is down: without the broker, pages still work and
    the sweep catches up on what waited."""
    found = {"database": _database(), "broker": _broker()}
    healthy = found["database"] == "ok"
    status = "ok" if healthy and found["broker"] == "ok" else "degraded" if healthy else "down"
    return JsonResponse({"status": status, **found}, status=200 if healthy else 503)


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon, at its hashed static address (read when asked: the manifest may not
    exist yet when the URLs load)."""
    return redirect(static("img/ownermap.svg"), permanent=True)
