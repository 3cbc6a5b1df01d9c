"""Attesting, "still mine": from My tasks (one task or all of them), from a task's page, or from
the link in the sweep's email, which works without signing in for that one action; and
"something is wrong", whose note reaches the ops leads (ownership/attestation.py)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from config.form_fields import add_errors
from config.rendering import HtmxRequest
from ownership import attestation
from ownership.agenda import MY_TASKS, my_tasks_context
from ownership.forms import WrongForm
from ownership.models import Attestation, Person
from ownership.permissions import VIEW_MAP
from ownership.task_page import task_page_answer
from tasks_registry.models import Task

LINK_PAGE = "ownership/attest_link.html"


def _answer(request: HtmxRequest, task: Task | None, notice: str, **extra: Any) -> HttpResponse:
    """The page it was done from: the task's page, or My tasks (its list of what they hold)."""
    if task is not None and request.POST.get("next") == "task":
        if not request.htmx and not extra:
            messages.success(request, notice)
            return redirect(task)
        return task_page_answer(request, task, part="summary", notice=notice, **extra)
    if not request.htmx and not extra:
        messages.success(request, notice)
        return redirect("ownership:my_tasks")
    context = my_tasks_context(request.user, notice=notice, **extra)
    return render(request, f"{MY_TASKS}#mine" if request.htmx else MY_TASKS, context)


def _person(request: HtmxRequest) -> Person | None:
    return Person.objects.filter(user=request.user).first()


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def attest_task(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug, is_active=True)
    via = Attestation.Via.TASK_PAGE if request.POST.get("next") == "task" else "my_tasks"
    person = _person(request)
    try:
        if person is None:
            raise ValidationError("You are not on the map: only a task's owner attests it.")
        attestation.attest(person=person, tasks=[task], by=request.user, via=via)
    except ValidationError as error:
        return _answer(request, task, "", attest_error=" ".join(error.messages))
    return _answer(request, task, f"“{task.name}” is still yours and still right: noted.")


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def attest_all(request: HtmxRequest) -> HttpResponse:
    person = _person(request)
    tasks = attestation.owned_by(person) if person else []
    if person is None or not tasks:
        return _answer(request, None, "", attest_error="You own no task: nothing to attest.")
    made = attestation.attest(
        person=person, tasks=tasks, by=request.user, via=Attestation.Via.MY_TASKS
    )
    count = len(made)
    return _answer(request, None, f"All {count} task{'s' if count != 1 else ''} you own: noted.")


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def something_wrong(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug, is_active=True)
    form = WrongForm(request.POST)
    person = _person(request)
    if form.is_valid():
        try:
            if person is None:
                raise ValidationError({"note": "Only its owner reports on a task here."})
            attestation.something_is_wrong(
                person=person,
                task=task,
                note=form.cleaned_data["note"],
                by=request.user,
                via=request.POST.get("via") or Attestation.Via.TASK_PAGE,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            notice = "Thank you: the ops leads get your note at the next sweep."
            return _answer(request, task, notice)
    return _answer(request, task, "", wrong_form=form)


@login_not_required
@require_http_methods(["GET", "POST"])
def attest_link(request: HttpRequest, secret: str) -> HttpResponse:
    """The email's link: GET shows what it attests (mail scanners fetch links, so a GET
    changes nothing); the button POSTs. Any refusal is a page that says why."""
    user = request.user if request.user.is_authenticated else None
    context: dict[str, Any]
    try:
        if request.method == "POST":
            made = attestation.use_link(secret, user=user)
            context = {"done": [item.task for item in made]}
        else:
            link = attestation.open_link(secret, user=user)
            tasks = attestation.owned_by(link.person, link.task_ids)
            context = {"link": link, "tasks": tasks, "secret": secret}
    except attestation.LinkRefused as refusal:
        return render(request, LINK_PAGE, {"refused": str(refusal)}, status=410)
    context["my_tasks"] = reverse("ownership:my_tasks")
    return render(request, LINK_PAGE, context)
