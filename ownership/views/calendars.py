"""Calendar feeds: making and revoking one's private addresses, and serving them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_fields import add_errors
from ownership.calendar_feeds import cached_calendar, feed_for_token, issue_feed, revoke_feed
from ownership.forms import CalendarFeedForm
from ownership.models import CalendarFeed, Person
from ownership.permissions import VIEW_MAP


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_MAP, raise_exception=True)
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    form = CalendarFeedForm(request.POST or None)
    new_address = None
    if request.method == "POST" and form.is_valid():
        try:
            _feed, token = issue_feed(user=request.user, team=form.cleaned_data["team"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            # Shown this once: only its hash is kept.
            new_address = request.build_absolute_uri(
                reverse("ownership:calendar_feed", kwargs={"token": token})
            )
            form = CalendarFeedForm()
    context = {
        "form": form,
        "feeds": list(request.user.calendar_feeds.select_related("person", "team")),
        "new_address": new_address,
        "person": Person.objects.filter(user=request.user).first(),
    }
    return render(request, "ownership/calendar_feeds.html", context)


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def calendar_feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed, pk=pk)
    if feed.user_id != request.user.pk:
        raise PermissionDenied("Only the person who made a calendar feed can revoke it.")
    revoke_feed(feed=feed)
    messages.success(request, f"The calendar address ending …{feed.prefix[-6:]} no longer works.")
    return redirect("ownership:calendar_feeds")


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself. Calendar apps cannot sign in: the secret in the address is the key.
    A wrong or revoked one is simply not found."""
    feed = feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar.")
    body = cached_calendar(feed, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ownermap.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
