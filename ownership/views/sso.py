"""Signing in through the company's identity provider (ownership/identity/sso.py): the way
out to the provider, the way back, and the pages that say why it did not work."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ownership.identity import sso
from ownership.identity.sso import UNREACHABLE

log = logging.getLogger(__name__)


class _ToProvider(OIDCAuthenticationRequestView):
    get_settings = staticmethod(sso.setting)


class _FromProvider(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(sso.setting)


def _failed(request: HttpRequest, why: str, *, status: int) -> HttpResponse:
    context = {"why": why, "provider": settings.OWNERMAP_SSO_NAME}
    return render(request, "registration/sso_failed.html", context, status=status)


def _unreachable(request: HttpRequest, error: Exception) -> HttpResponse:
    # The connection's details are for the logs: the page says what the person can act on.
    log.warning("the sign-in provider is unreachable: %s", error)
    return _failed(request, UNREACHABLE, status=503)


@never_cache
@login_not_required
def sign_in(request: HttpRequest) -> HttpResponse:
    """Off to the provider, with a fresh state, nonce and PKCE verifier kept in the session."""
    if not sso.is_on():
        raise Http404("Single sign-on is not set up here.")
    try:
        return _ToProvider.as_view()(request)
    except sso.ProviderUnreachable as error:
        return _unreachable(request, error)


@never_cache
@login_not_required
def callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider: signed in, or a page that says why not."""
    if not sso.is_on():
        raise Http404("Single sign-on is not set up here.")
    try:
        response = _FromProvider.as_view()(request)
    except SuspiciousOperation:
        return _failed(
            request,
            "this sign-in was not started here, or was already used (its state does not match)",
            status=400,
        )
    except sso.ProviderUnreachable as error:
        return _unreachable(request, error)
    if request.user.is_authenticated:
        return response
    if request.GET.get("error"):
        why = f"the provider said “{request.GET.get('error_description') or request.GET['error']}”"
        return _failed(request, why[:300], status=403)
    why = getattr(request, "sso_failure", "") or "the provider did not vouch for you"
    return _failed(request, why, status=403)
