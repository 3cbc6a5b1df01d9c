"""Operational metrics: the list, each one's values and the tasks that protect it, adding and
editing them, recording a value and importing a sheet of values."""

import datetime
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_fields import add_errors
from config.merging import edit_versioned
from config.rendering import HtmxRequest
from tasks_registry.forms import MetricForm, MetricValueForm, ValuesImportForm
from tasks_registry.metric_chart import metric_chart
from tasks_registry.metrics import (
    create_metric,
    import_values,
    metrics_with_tasks,
    read_values,
    update_metric,
    values_since,
)
from tasks_registry.models import Metric, MetricValue
from tasks_registry.permissions import EDIT_MAP, VIEW_MAP

# How far back a metric's page reads its values.
HISTORY_DAYS = 365


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def metric_list(request: HtmxRequest) -> HttpResponse:
    return render(request, "tasks_registry/metric_list.html", {"metrics": metrics_with_tasks()})


def _detail_context(metric: Metric, user: Any, form: MetricValueForm | None = None) -> dict:
    since = timezone.localdate() - datetime.timedelta(days=HISTORY_DAYS)
    values = values_since(metric, since, limit=120)
    recorded = list(
        metric.values.select_related("recorded_by", "task").order_by("-on", "-recorded_at")[:50]
    )
    may_record = user.has_perm(EDIT_MAP)
    return {
        "metric": metric,
        "chart": metric_chart(metric, values),
        "recorded": recorded,
        "tasks": list(metric.tasks.filter(is_active=True).select_related("stage")),
        "form": form or (MetricValueForm(metric=metric) if may_record else None),
    }


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def metric_detail(request: HtmxRequest, pk: int) -> HttpResponse:
    metric = get_object_or_404(Metric, pk=pk)
    return render(
        request, "tasks_registry/metric_detail.html", _detail_context(metric, request.user)
    )


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def metric_value_create(request: HtmxRequest, pk: int) -> HttpResponse:
    """A value recorded on the metric's own page, by an ops lead (an owner records theirs on
    their task's page, or with its confirmation)."""
    metric = get_object_or_404(Metric, pk=pk)
    form = MetricValueForm(request.POST, metric=metric)
    recorded = form.record(by=request.user, via=MetricValue.Via.PAGE)
    if recorded is not None:
        messages.success(request, recorded.recorded_words)
        return redirect(metric)
    context = _detail_context(metric, request.user, form)
    return render(request, "tasks_registry/metric_detail.html", context, status=422)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def metric_create(request: HtmxRequest) -> HttpResponse:
    form = MetricForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            metric = create_metric(by=request.user, **form.changes())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{metric.name}” is on the list of metrics.")
            return redirect(metric)
    return render(request, "tasks_registry/metric_form.html", {"form": form, "metric": None})


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def metric_edit(request: HtmxRequest, pk: int) -> HttpResponse:
    metric = get_object_or_404(Metric, pk=pk)
    data = request.POST if request.method == "POST" else None
    edit = edit_versioned(
        MetricForm, data, metric, partial(update_metric, metric=metric, by=request.user)
    )
    if edit.saved is not None:
        messages.success(request, f"“{edit.saved.name}” is saved.")
        return redirect(edit.saved)
    conflict = edit.conflict
    context = {"form": edit.form, "metric": conflict or metric, "conflict": conflict}
    return render(
        request, "tasks_registry/metric_form.html", context, status=409 if conflict else 200
    )


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def metric_values_import(request: HtmxRequest) -> HttpResponse:
    """A CSV of values (date, metric, value): every row checked first, and all recorded or
    none, each problem named with its row."""
    form = ValuesImportForm(request.POST or None, request.FILES or None)
    found = None
    if request.method == "POST" and form.is_valid():
        found = read_values(form.cleaned_data["file"])
        if found.ok:
            import_values(found, by=request.user)
            fresh = len(found.rows) - found.already
            said = f"{fresh} value{'s' if fresh != 1 else ''} recorded"
            if found.already:
                said += f"; {found.already} were recorded already and are left as they were"
            messages.success(request, said + ".")
            return redirect("tasks_registry:metric_list")
    context = {"form": form, "found": found, "metrics": metrics_with_tasks()}
    status = 422 if found is not None and not found.ok else 200
    return render(request, "tasks_registry/metric_import.html", context, status=status)
