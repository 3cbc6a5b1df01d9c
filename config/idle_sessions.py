"""Signed-in sessions end after OWNERMAP_SESSION_IDLE_HOURS without a request (default 12):
SESSION_COOKIE_AGE is the idle limit, and an active session's expiry is pushed forward.

Not on every request (SESSION_SAVE_EVERY_REQUEST would write the session row on each page
and each keystroke's search): at most once per REFRESH_EVERY, which only makes the limit that
much shorter in the worst case.
"""

import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

REFRESH_EVERY = 300  # seconds
_SEEN = "_seen_at"


def _clock() -> int:
    return int(time.time())


class RefreshActiveSession:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = _clock()
            if now - session.get(_SEEN, 0) >= REFRESH_EVERY:
                # Modified: the session middleware saves it with a new expiry.
                session[_SEEN] = now
        return response


@receiver(user_logged_in, dispatch_uid="idle_sessions_seen_at_sign_in")
def _seen_at_sign_in(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """Signing in writes the session anyway: the first pages after it need not again."""
    if request is not None and hasattr(request, "session"):
        request.session[_SEEN] = _clock()
