"""The address a request came from, for sign-in throttling (django-axes)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind the TLS proxy of DJANGO_BEHIND_TLS_PROXY, the address that proxy
    saw, which it appends last to X-Forwarded-For. Earlier entries are whatever the client
    sent and are not believed: a guesser would send a new one with each try."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")
