"""What a person or a program sees when a request fails: a page in the site's layout that needs
nothing but its words (so it renders when the database is what failed), or JSON under /api/.

Django's handlers (config/urls.py), the CSRF failure view (settings.CSRF_FAILURE_VIEW) and
two middlewares meet here: one refuses a request body over OWNERMAP_REQUEST_MAX_BYTES from its
Content-Length, before it is read; the other turns any other error the API answers without a
body of its own (a 405 from @require_GET, say) into JSON.
"""

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.module_loading import import_string

API_PREFIX = "/api/"

TITLES = {
    400: "That request could not be read",
    403: "Not for this account",
    404: "Nothing here",
    405: "Not like that",
    413: "Too large",
    500: "Something went wrong on our side",
}
MESSAGES = {
    400: "The request was malformed. Go back and try again.",
    403: "This account may not open this page or do this.",
    404: "There is no page at this address: it may have been renamed or removed.",
    405: "This address does not take that kind of request.",
    413: "The request is larger than Ownermap reads.",
    500: "The error was logged. Try again in a minute; if it keeps happening, tell your admin.",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(
    request: HttpRequest, status: int, message: str = "", **context: object
) -> HttpResponse:
    message = message or MESSAGES.get(status, "The request failed.")
    if is_api(request):
        return JsonResponse({"error": message, "status": status}, status=status)
    title = str(context.pop("title", "")) or TITLES.get(status, "The request failed")
    html = loader.get_template("errors/error.html").render(
        {"title": title, "message": message, **context}
    )
    return HttpResponse(html, status=status)


def _who_grants_access() -> list[str]:
    """Whom to ask for access, by name (OWNERMAP_WHO_GRANTS_ACCESS names the function: the
    people and their groups are the apps', not config's). Nothing if that cannot be read: the
    page must not fail too."""
    try:
        return list(import_string(settings.OWNERMAP_WHO_GRANTS_ACCESS)())
    except DatabaseError:
        return []


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A PermissionDenied raised with words meant for the person says what they may not do.
    said = str(exception) if exception is not None and exception.args else ""
    if is_api(request):
        return error_response(request, 403, said)
    user = getattr(request, "user", None)
    ask = _who_grants_access()
    if (
        user is not None
        and user.is_authenticated
        and not user.is_superuser
        and not user.groups.exists()
    ):
        return error_response(
            request,
            403,
            "Your account has no role on the map yet, so it sees nothing of it. Ask for one: "
            "members read the map, ops leads edit it, managers run its reviews.",
            title="No role yet",
            ask=ask,
        )
    return error_response(request, 403, said, ask=ask)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    user = getattr(request, "user", None)
    return error_response(request, 404, search=bool(user and user.is_authenticated))


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(
        request,
        403,
        "The form was sent without the security token this site gives it, or after you "
        "signed out and in again. Reload the page and send it again.",
    )


class RequestBodyCap:
    """Refuse a body longer than OWNERMAP_REQUEST_MAX_BYTES before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, 400, "The request's Content-Length is not a number.")
        limit = settings.OWNERMAP_REQUEST_MAX_BYTES
        if length > limit:
            return error_response(
                request,
                413,
                f"The request is {length / 1_000_000:.1f} MB; Ownermap reads up to "
                f"{limit / 1_000_000:.1f} MB. A spreadsheet to import may be up to "
                f"{settings.OWNERMAP_IMPORT_MAX_BYTES / 1_000_000:.1f} MB.",
            )
        return self.get_response(request)


class ApiErrorsAsJson:
    """Under /api/, an error answered with a page or no body (405 from @require_GET, a
    redirect to sign in is never made there) becomes JSON with the same status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_api(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = error_response(request, response.status_code)
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
