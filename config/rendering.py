"""One place decides whether a request gets a whole page or the fragment HTMX will swap; and
what makes the objects rendered on every keystroke cheap to read in a template."""

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """A request as a signed-in view sees it, through django-htmx's middleware (for the type
    checker: the middleware sets `htmx`, the login requirement makes `user` a real user)."""

    htmx: HtmxDetails
    user: User


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, partial: str
) -> HttpResponse:
    """Render `partial` of `template` for an HTMX request, the whole template otherwise.

    A boosted request (hx-boost) navigates to a new page, so it wants the whole page.
    """
    htmx = getattr(request, "htmx", None)
    wants_fragment = htmx is not None and bool(htmx) and not htmx.boosted
    name = f"{template}#{partial}" if wants_fragment else template
    response = render(request, name, context)
    # The same URL answers two ways: caches must key on the header that chooses.
    patch_vary_headers(response, ["HX-Request"])
    return response


class TemplateFields:
    """For small objects a template reads many times per render (the lookup's answers, dozens
    of variables per card on every keystroke): Django's templates look `answer.task` up as
    `answer["task"]` first and only after the TypeError as an attribute, and those raised and
    caught errors were a tenth of rendering the results. A KeyError leads the template on to
    its other lookups, as for a dict without the key."""

    __slots__ = ()

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None
