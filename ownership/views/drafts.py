"""Drafts of a reorganisation: the list, opening one, a draft's page (its changes, the figures
now and after publishing, comments), draft mode on and off, sharing, publishing, discarding.
The map's own forms hold their changes in the draft while draft mode is on
(ownership/views/editing.py, ownership/views/people.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_fields import add_errors
from config.rendering import HtmxRequest
from ownership import drafts
from ownership.forms import DraftCommentForm, DraftForm
from ownership.models import Draft, DraftChange
from ownership.permissions import EDIT_MAP


def _readable(request: HtmxRequest, pk: int) -> Draft:
    draft = get_object_or_404(Draft.objects.select_related("author"), pk=pk)
    if not drafts.may_read(draft, request.user):
        # A private draft is not there for anyone else.
        raise Http404("No draft here: it may be someone's private draft.")
    return draft


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def draft_list(request: HtmxRequest) -> HttpResponse:
    """The person's drafts and those shared with them; and a new one, opened in draft mode."""
    form = DraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = drafts.open_draft(name=form.cleaned_data["name"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            drafts.enter_draft_mode(request, draft)
            messages.success(
                request,
                f"Draft mode: what you change on the map now is held in “{draft.name}”, not "
                "made live.",
            )
            return redirect(draft)
    listed = (
        Draft.objects.filter(Q(author=request.user) | Q(shared=True))
        .select_related("author")
        .order_by("status", "-created_at")
    )
    context = {"form": form, "drafts": list(listed)}
    return render(request, "ownership/draft_list.html", context, status=422 if form.errors else 200)


def _detail(request: HtmxRequest, draft: Draft, **extra) -> dict:
    mine = draft.author_id == request.user.pk
    context = {
        "draft": draft,
        "mine": mine,
        "changes": drafts.changes_of(draft),
        "comments": list(draft.comments.select_related("author")),
        "comment_form": DraftCommentForm(),
        "in_it": drafts.in_draft(request) == draft,
    }
    if draft.is_open and context["changes"]:
        context["preview"] = drafts.preview(draft, by=request.user)
    return context | extra


@require_GET
@permission_required(EDIT_MAP, raise_exception=True)
def draft_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    draft = _readable(request, pk)
    return render(request, "ownership/draft_detail.html", _detail(request, draft))


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def draft_enter(request: HtmxRequest, pk: int) -> HttpResponse:
    draft = _readable(request, pk)
    if draft.author_id != request.user.pk or not draft.is_open:
        messages.error(request, "Only its author edits the map in an open draft.")
        return redirect(draft)
    drafts.enter_draft_mode(request, draft)
    messages.success(request, f"Draft mode: your changes to the map are held in “{draft.name}”.")
    return redirect("ownership:map_by_stage")


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def draft_leave(request: HtmxRequest) -> HttpResponse:
    draft = drafts.in_draft(request)
    drafts.leave_draft_mode(request)
    if draft is None:
        return redirect("ownership:draft_list")
    messages.success(request, f"You left draft mode: “{draft.name}” keeps its changes.")
    return redirect(draft)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def draft_change_drop(request: HtmxRequest, pk: int, change_id: int) -> HttpResponse:
    draft = _readable(request, pk)
    change = get_object_or_404(DraftChange, pk=change_id, draft=draft)
    try:
        drafts.drop_change(change=change, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(draft)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def draft_share(request: HtmxRequest, pk: int) -> HttpResponse:
    draft = _readable(request, pk)
    try:
        drafts.share(draft=draft, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Shared: the map's editors and managers can read it and comment.")
    return redirect(draft)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def draft_comment(request: HtmxRequest, pk: int) -> HttpResponse:
    draft = _readable(request, pk)
    form = DraftCommentForm(request.POST)
    if form.is_valid():
        try:
            drafts.comment(draft=draft, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect(f"{draft.get_absolute_url()}#comments")
    context = _detail(request, draft, comment_form=form)
    return render(request, "ownership/draft_detail.html", context, status=422)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def draft_publish(request: HtmxRequest, pk: int) -> HttpResponse:
    draft = _readable(request, pk)
    try:
        published = drafts.publish(draft=draft, by=request.user)
    except drafts.DraftConflict as error:
        context = _detail(request, draft, conflicts=error.conflicts)
        return render(request, "ownership/draft_detail.html", context, status=409)
    except ValidationError as error:
        context = _detail(request, draft, refused=" ".join(error.messages))
        return render(request, "ownership/draft_detail.html", context, status=409)
    drafts.leave_draft_mode(request, draft)
    count = published.changes.count()
    messages.success(
        request,
        f"“{published.name}” is published: {count} change{'s' if count != 1 else ''} made on "
        "the map at once.",
    )
    return redirect(published)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def draft_discard(request: HtmxRequest, pk: int) -> HttpResponse:
    draft = _readable(request, pk)
    try:
        drafts.discard(draft=draft, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(draft)
    drafts.leave_draft_mode(request, draft)
    messages.success(request, f"“{draft.name}” is discarded: the map is as it was.")
    return redirect("ownership:draft_list")
