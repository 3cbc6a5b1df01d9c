"""The store's promises: the list with every place that repeats each, one promise's page with
its history, adding and editing them, linking the tasks that repeat them, and an owner's word
that their place was updated to the new wording."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_fields import add_errors
from config.merging import edit_versioned
from config.rendering import HtmxRequest
from ownership.forms import PlaceUpdatedForm, PromiseForm, PromisePlaceForm
from ownership.permissions import EDIT_MAP, VIEW_MAP, may_confirm_done
from ownership.promise_places import promise_views
from ownership.task_page import task_page_answer
from tasks_registry.models import Promise, PromiseLink
from tasks_registry.promises import (
    confirm_updated,
    create_promise,
    link_task,
    unlink,
    update_link,
    update_promise,
)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def promise_list(request: HtmxRequest) -> HttpResponse:
    views = promise_views(Promise.objects.all(), user=request.user)
    return render(request, "ownership/promise_list.html", {"promises": views})


def _detail(
    request: HtmxRequest, promise: Promise, *, place_form: PromisePlaceForm | None = None
) -> dict:
    (view,) = promise_views(Promise.objects.filter(pk=promise.pk), user=request.user)
    history = promise.history.select_related("history_user").order_by("-history_date", "-pk")
    return {
        "view": view,
        "promise": view.promise,
        "history": list(history[:50]),
        "place_form": place_form
        or (PromisePlaceForm() if request.user.has_perm(EDIT_MAP) else None),
    }


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def promise_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    promise = get_object_or_404(Promise, pk=pk)
    return render(request, "ownership/promise_detail.html", _detail(request, promise))


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def promise_create(request: HtmxRequest) -> HttpResponse:
    form = PromiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            promise = create_promise(by=request.user, **form.changes())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{promise.name}” is on the list of promises.")
            return redirect(promise)
    status = 422 if form.errors else 200
    context = {"form": form, "promise": None}
    return render(request, "ownership/promise_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def promise_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    promise = get_object_or_404(Promise, pk=pk)
    data = request.POST if request.method == "POST" else None
    edit = edit_versioned(
        PromiseForm, data, promise, partial(update_promise, promise=promise, by=request.user)
    )
    form, conflict, saved = edit.form, edit.conflict, edit.saved
    if saved is not None:
        out_of_date = [link for link in saved.links.all() if not link.is_up_to_date]
        told = (
            f" {len(out_of_date)} place{'s' if len(out_of_date) != 1 else ''} repeating it "
            "must be re-checked; their owners are told."
            if out_of_date
            else ""
        )
        messages.success(request, f"“{saved.name}” is saved.{told}")
        return redirect(saved)
    status = 409 if conflict else 422 if form.errors else 200
    context = {"form": form, "promise": conflict or promise, "conflict": conflict}
    return render(request, "ownership/promise_form.html", context, status=status)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def place_add(request: HtmxRequest, pk: int) -> HttpResponse:
    promise = get_object_or_404(Promise, pk=pk)
    form = PromisePlaceForm(request.POST)
    if form.is_valid():
        try:
            link = link_task(promise=promise, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{link.task.name}” repeats it in {link.place}.")
            return redirect(promise)
    context = _detail(request, promise, place_form=form)
    return render(request, "ownership/promise_detail.html", context, status=422)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def place_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    """Where a task repeats the promise, said again; refused at that place's field."""
    link = get_object_or_404(PromiseLink.objects.select_related("promise", "task"), pk=pk)
    typed = request.POST.get("place", "")
    try:
        saved = update_link(link=link, place=typed, by=request.user)
    except ValidationError as error:
        problem = " ".join(error.message_dict.get("place", error.messages))
        context = _detail(request, link.promise) | {
            "place_problem": problem,
            "place_problem_pk": link.pk,
            "place_typed": typed,
        }
        return render(request, "ownership/promise_detail.html", context, status=422)
    messages.success(request, f"“{saved.task.name}” repeats it in {saved.place}.")
    return redirect(link.promise)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def place_remove(request: HtmxRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(PromiseLink.objects.select_related("promise", "task"), pk=pk)
    unlink(link=link, by=request.user)
    messages.success(request, f"“{link.task.name}” no longer repeats it in {link.place}.")
    return redirect(link.promise)


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def place_updated(request: HtmxRequest, pk: int) -> HttpResponse:
    """The task's owner or backup says its place now says the promise's wording: on the task's
    page (its promises, with its gaps swapped out of band) or on the promise's."""
    link = get_object_or_404(
        PromiseLink.objects.select_related("promise", "task", "task__stage"), pk=pk
    )
    task = link.task
    if not may_confirm_done(request.user, task):
        raise PermissionDenied("Only the task's owner or backup says its place was updated.")
    form = PlaceUpdatedForm(request.POST)
    problem = ""
    if not form.is_valid():
        problem = "The page was out of date: reload it and confirm again."
    else:
        try:
            confirm_updated(
                link=link, by=request.user, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
    said = "" if problem else f"{link.place} now says “{link.promise.name}” as it stands."
    back_to_promise = request.POST.get("back") == "promise"
    if back_to_promise or not request.htmx:
        (messages.error if problem else messages.success)(request, problem or said)
        return redirect(link.promise if back_to_promise else task)
    # Refused or not, the task's promises as they stand now (htmx swaps only a success).
    return task_page_answer(
        request, task, part="promises", notice=said, place_problem=problem, place_problem_pk=link.pk
    )
