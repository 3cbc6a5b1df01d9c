"""SCIM 2.0 (RFC 7644) for the company's identity provider, under /scim/v2/: Users, and the
discovery endpoints. Entra ID, Okta and Google send a bearer token issued in the admin
(ScimToken). Every answer is SCIM JSON, errors included: a provider reads the scimType."""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import scim2_models as scim
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError as PayloadError

from ownership.identity import provisioning
from ownership.identity.scim_users import (
    MAX_PAGE,
    User,
    as_resource,
    is_id,
    matching,
    service_config,
)
from ownership.identity.scim_users import wanted as wanted_from
from ownership.models import Person
from ownership.tokens import scim_token_for

CONTENT_TYPE = "application/scim+json"
_Ctx = scim.Context


def _json(payload: dict[str, Any], *, status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(status: int, detail: str, scim_type: str | None = None, **headers: str):
    error = scim.Error(status=status, scim_type=scim_type, detail=detail)
    return _json(error.model_dump(), status=status, **headers)


def _refused(error: Exception) -> HttpResponse:
    """The SCIM error body for what went wrong with a request: the payload's shape (the
    library's reading), or what the map's rules refuse (a taken email is a uniqueness error)."""
    if isinstance(error, scim.SCIMException):
        found = error.to_error()
        return _json(found.model_dump(), status=found.status or 400)
    if isinstance(error, PayloadError):
        found = scim.Error.from_validation_errors(error.errors())[0]
        return _json(found.model_dump(), status=found.status or 400)
    if isinstance(error, ValidationError):
        detail = " ".join(error.messages)
        errors = (
            [found for listed in error.error_dict.values() for found in listed]
            if hasattr(error, "error_dict")
            else error.error_list
        )
        codes = [found.code for found in errors]
        if "unique" in codes:
            return _error(409, detail, "uniqueness")
        return _error(400, detail, "invalidValue")
    raise error


def scim_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only for a live SCIM token; any refusal as a SCIM error."""

    @csrf_exempt
    @login_not_required
    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or scim_token_for(token.strip()) is None:
            return _error(
                401,
                "Send a SCIM token issued in Ownermap's admin as 'Authorization: Bearer <token>'.",
                WWW_Authenticate='Bearer realm="ownermap-scim"',
            )
        try:
            return view(request, *args, **kwargs)
        except (scim.SCIMException, PayloadError, ValidationError) as error:
            return _refused(error)
        except IntegrityError:
            return _error(409, "Someone else changed this user at the same time: send it again.")

    return checked


def _not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    detail = f"{request.method} is not allowed here; {allowed} are."
    return _error(405, detail, Allow=allowed)


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except json.JSONDecodeError as error:
        detail = f"The body is not JSON: {error.msg} at line {error.lineno}."
    except UnicodeDecodeError:
        detail = "The body is not JSON: it is not UTF-8 text."
    raise scim.InvalidSyntaxException(detail=detail)


def _location(request: HttpRequest, person: Person) -> str:
    return request.build_absolute_uri(reverse("ownership:scim_user", args=[person.pk]))


def _user_payload(request: HttpRequest, person: Person, **parameters: Any) -> dict[str, Any]:
    resource = as_resource(person, location=_location(request, person))
    return resource.model_dump(scim_ctx=_Ctx.RESOURCE_QUERY_RESPONSE, **parameters)


def _kept() -> Any:
    return Person.objects.exclude(scim_user_name="").select_related("team", "user")


def _find(pk: str) -> Person:
    person = _kept().filter(pk=int(pk)).first() if is_id(pk) else None
    if person is None:
        raise scim.NotFoundException(detail=f"There is no user {pk} here.")
    return person


@scim_endpoint
def users(request: HttpRequest) -> HttpResponse:
    """GET lists or filters the users (paged); POST adds one."""
    if request.method == "POST":
        user = User.model_validate(_body(request), scim_ctx=_Ctx.RESOURCE_CREATION_REQUEST)
        person = provisioning.provision(wanted_from(user))
        payload = _user_payload(request, _find(str(person.pk)))
        return _json(payload, status=201, Location=payload["meta"]["location"])
    if request.method != "GET":
        return _not_allowed(request, "GET, POST")
    search = scim.SearchRequest[User].model_validate(
        request.GET.dict(), scim_ctx=_Ctx.SEARCH_REQUEST
    )
    people = _kept().order_by("pk")
    if search.filter is not None:
        people = people.filter(matching(str(search.filter)))
    start = max(search.start_index or 1, 1)
    count = min(MAX_PAGE if search.count is None else max(search.count, 0), MAX_PAGE)
    page = list(people[start - 1 : start - 1 + count]) if count else []
    listed = scim.ListResponse[User](
        total_results=people.count(),
        start_index=start,
        items_per_page=len(page),
        resources=[as_resource(person, location=_location(request, person)) for person in page],
    )
    return _json(listed.model_dump(scim_ctx=_Ctx.SEARCH_RESPONSE, response_parameters=search))


@scim_endpoint
def user(request: HttpRequest, pk: str) -> HttpResponse:
    """One user: GET, PUT (the provider's whole description), PATCH, DELETE (deprovision)."""
    person = _find(pk)
    if request.method == "GET":
        parameters = scim.ResponseParameters[User].model_validate(request.GET.dict())
        return _json(_user_payload(request, person, response_parameters=parameters))
    if request.method == "PUT":
        user = User.model_validate(_body(request), scim_ctx=_Ctx.RESOURCE_REPLACEMENT_REQUEST)
        provisioning.reprovision(person, wanted_from(user))
    elif request.method == "PATCH":
        patch = scim.PatchOp[User].model_validate(
            _body(request), scim_ctx=_Ctx.RESOURCE_PATCH_REQUEST
        )
        provisioning.repatch(person, patch.patch)
    elif request.method == "DELETE":
        provisioning.deprovision(person)
        return HttpResponse(status=204)
    else:
        return _not_allowed(request, "GET, PUT, PATCH, DELETE")
    return _json(_user_payload(request, _find(pk)))


@scim_endpoint
def service_provider_config(request: HttpRequest) -> HttpResponse:
    config = service_config()
    return _json(config.model_dump(scim_ctx=_Ctx.RESOURCE_QUERY_RESPONSE))


@scim_endpoint
def resource_types(request: HttpRequest) -> HttpResponse:
    kind = scim.ResourceType.from_resource(User)
    listed = scim.ListResponse[scim.ResourceType](
        total_results=1, start_index=1, items_per_page=1, resources=[kind]
    )
    return _json(listed.model_dump(scim_ctx=_Ctx.SEARCH_RESPONSE))


@scim_endpoint
def schemas(request: HttpRequest) -> HttpResponse:
    found = [User.to_schema(), scim.EnterpriseUser.to_schema()]
    listed = scim.ListResponse[scim.Schema](
        total_results=len(found), start_index=1, items_per_page=len(found), resources=found
    )
    return _json(listed.model_dump(scim_ctx=_Ctx.SEARCH_RESPONSE))


@scim_endpoint
def elsewhere(request: HttpRequest, rest: str) -> HttpResponse:
    """Groups and Bulk are not served: roles come from the sign-in's groups (or the admin)."""
    raise scim.NotFoundException(detail=f"/scim/v2/{rest} is not served here; Users is.")
