"""Confirming an occurrence done, skipping missed ones with a reason, and undoing either, from
My tasks or from a task's page. Who may is the task's owner or backup (and, to skip, an ops
lead: ownership/permissions.py), and the answer is the page it came from: both belong to the
people side of the map, so these stay in ownership while the completions they write are
tasks_registry's (tasks_registry/completions.py)."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from config.form_fields import add_errors
from config.rendering import HtmxRequest
from ownership import escalation
from ownership.agenda import MY_TASKS, my_tasks_context, occurrence_key
from ownership.forms import CompletionForm, PauseForm, SkipForm
from ownership.permissions import (
    VIEW_MAP,
    may_confirm_done,
    may_pause,
    may_record_value,
    may_skip,
)
from ownership.task_page import task_page_answer
from tasks_registry.completions import record_completion, skip_occurrences, undo_completion
from tasks_registry.forms import MetricValueForm
from tasks_registry.models import Completion, MetricValue, Task


def _answer(
    request: HtmxRequest,
    task: Task,
    *,
    notice: str = "",
    failed: tuple[int, datetime.date | None] | None = None,
    form: CompletionForm | None = None,
    skip_form: SkipForm | None = None,
    pause_form: PauseForm | None = None,
    task_page: bool = False,
) -> HttpResponse:
    """The page the confirmation came from (My tasks or the task's page), or the part of it
    HTMX swaps: updated after a change, or with the refused form and its errors."""
    on_task_page = task_page or request.POST.get("next") == "task"
    if failed is None and skip_form is None and pause_form is None and not request.htmx:
        messages.success(request, notice)
        return redirect(task if on_task_page else reverse("ownership:my_tasks"))
    extra: dict[str, Any] = {
        "failed_form": form,
        "failed_task": None,
        "failed_key": "",
        "skip_form": skip_form,
        "failed_skip": task.pk if skip_form is not None else None,
        "pause_form": pause_form,
    }
    if failed is not None:
        task_pk, day = failed
        extra |= {"failed_task": task_pk, "failed_key": occurrence_key(task_pk, day)}
    if on_task_page:
        return task_page_answer(request, task, part="due", notice=notice, **extra)
    context = my_tasks_context(request.user, notice=notice, **extra)
    return render(request, f"{MY_TASKS}#due-list" if request.htmx else MY_TASKS, context)


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def completion_create(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(
        Task.objects.select_related("stage", "metric"), slug=slug, is_active=True
    )
    if not may_confirm_done(request.user, task):
        raise PermissionDenied("Only the task's owner or backup confirms it done.")
    form = CompletionForm(request.POST, task=task)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_completion(
                task=task,
                due_on=data["due_on"],
                by=request.user,
                ticked=data["ticked"],
                note=data["note"],
                evidence_url=data["evidence_url"],
                metric_value=data.get("metric_value"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            day = date_format(data["due_on"], "D j M")
            notice = f"“{task.name}” is confirmed done for {day}."
            if data.get("metric_value") is not None and task.metric is not None:
                notice += f" {task.metric.name}: {task.metric.show(data['metric_value'])} recorded."
            return _answer(request, task, notice=notice)
    return _answer(request, task, failed=(task.pk, form.cleaned_data.get("due_on")), form=form)


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def metric_value_record(request: HtmxRequest, slug: str) -> HttpResponse:
    """A value of the metric the task protects, recorded from its page."""
    task = get_object_or_404(Task.objects.select_related("stage", "metric"), slug=slug)
    metric = task.metric
    if metric is None:
        raise Http404("This task protects no metric.")
    if not may_record_value(request.user, task):
        raise PermissionDenied("Only the task's owner, its backup or an ops lead records it.")
    form = MetricValueForm(request.POST, metric=metric)
    recorded = form.record(by=request.user, via=MetricValue.Via.PAGE, task=task)
    if recorded is not None:
        if not request.htmx:
            messages.success(request, recorded.recorded_words)
            return redirect(task)
        return task_page_answer(request, task, part="metric", notice=recorded.recorded_words)
    return task_page_answer(request, task, part="metric", metric_form=form)


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def completion_skip(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(
        Task.objects.select_related("stage", "metric"), slug=slug, is_active=True
    )
    if not may_skip(request.user, task):
        raise PermissionDenied("Only the task's owner, its backup or an ops lead skips it.")
    form = SkipForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = skip_occurrences(
                task=task,
                first=data["first"],
                last=data["last"],
                by=request.user,
                reason=data["reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            count = f"{len(made)} occurrences" if len(made) > 1 else "One occurrence"
            return _answer(request, task, notice=f"{count} of “{task.name}” skipped.")
    return _answer(request, task, skip_form=form)


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def completion_undo(request: HtmxRequest, pk: int) -> HttpResponse:
    completion = get_object_or_404(Completion.objects.select_related("task"), pk=pk)
    if completion.completed_by_id != request.user.pk:
        raise PermissionDenied("Only the person who confirmed it can undo it.")
    task = completion.task
    try:
        undo_completion(completion=completion, by=request.user)
    except ValidationError as error:
        if not request.htmx:
            messages.error(request, " ".join(error.messages))
            return redirect(task if request.POST.get("next") == "task" else "ownership:my_tasks")
        return _answer(request, task, notice=" ".join(error.messages))
    day = date_format(completion.due_on, "D j M")
    return _answer(request, task, notice=f"“{task.name}” for {day} is open again.")


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def escalation_pause(request: HtmxRequest, slug: str) -> HttpResponse:
    """ "I'm on it — by <date>": its escalation waits until then (ownership/escalation.py)."""
    task = get_object_or_404(
        Task.objects.select_related("stage", "metric"), slug=slug, is_active=True
    )
    chain = escalation.chain_of(task, timezone.localdate())
    holder = chain.current.person_pk if chain and chain.current else None
    if not may_pause(request.user, task, holder):
        raise PermissionDenied(
            "Only whoever its escalation reached, its owner, its backup or an ops lead says so."
        )
    form = PauseForm(request.POST)
    if form.is_valid():
        try:
            made = escalation.pause(task=task, until=form.cleaned_data["until"], by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            day = date_format(made.until, "D j M")
            notice = f"Noted: you are on it, done by {day}."
            return _answer(request, task, notice=notice, task_page=True)
    return _answer(request, task, pause_form=form, task_page=True)
