"""The JSON API: /api/whoowns, for a chat bot or a storefront admin.

Authenticates with a signed-in session or `Authorization: Bearer <token>` (ownership.tokens).
Anonymous callers and bad tokens get 401 JSON rather than a redirect to a sign-in page.
`as_of=2026-10-01` answers with who owned and backed up each task at the end of that day.
"""

import datetime

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.errors import error_response
from ownership.lookup import MAX_LIMIT, answer_data, lookup
from ownership.lookup.learning import record_question
from ownership.permissions import VIEW_MAP
from ownership.time_travel import answers_as_of, check_as_of
from ownership.tokens import user_for_token


def _unauthorized(request: HttpRequest, message: str) -> HttpResponse:
    response = error_response(request, 401, message)
    response["WWW-Authenticate"] = 'Bearer realm="ownermap"'
    return response


@require_GET
@login_not_required
def whoowns(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return _unauthorized(request, "The API token is unknown or has been revoked.")
    elif request.user.is_authenticated:
        user = request.user
    else:
        return _unauthorized(
            request, "Sign in, or send an API token as 'Authorization: Bearer <token>'."
        )
    if not user.has_perm(VIEW_MAP):
        return error_response(request, 403, "This account may not read the ownership map.")

    try:
        limit = int(request.GET.get("limit", 8))
    except ValueError:
        return error_response(request, 400, "limit must be a whole number.")
    if not 1 <= limit <= MAX_LIMIT:
        return error_response(request, 400, f"limit must be between 1 and {MAX_LIMIT}.")

    as_of = None
    if request.GET.get("as_of"):
        try:
            as_of = check_as_of(datetime.date.fromisoformat(request.GET["as_of"]))
        except ValueError:
            return error_response(request, 400, "as_of must be a date: 2026-10-01.")
        except ValidationError as error:
            return error_response(request, 400, " ".join(error.messages))

    query = request.GET.get("q", "")
    result = lookup(query, limit=limit, on=timezone.localdate())
    record_question(query=query, found=bool(result.answers))
    base_url = request.build_absolute_uri("/")
    if as_of is not None:
        rows = answers_as_of(result.answers, as_of, base_url=base_url)
        return JsonResponse({"query": query, "as_of": as_of.isoformat(), "results": rows})
    return JsonResponse(
        {
            "query": query,
            "results": [
                answer_data(answer, base_url=base_url, query=query) for answer in result.answers
            ],
        }
    )
