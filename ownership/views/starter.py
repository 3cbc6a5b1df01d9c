"""Starting a map from the e-commerce starter map, for the stages an ops lead picks."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ownership.forms import StarterMapForm
from ownership.permissions import EDIT_MAP
from ownership.starter_map import apply_starter_map, stages_offered
from tasks_registry.models import Task


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def starter_map(request: HttpRequest) -> HttpResponse:
    offered = stages_offered()
    stages = [stage for stage, tasks in offered if tasks]
    form = StarterMapForm(request.POST if request.method == "POST" else None, stages=stages)
    if request.method == "POST" and form.is_valid():
        made = apply_starter_map(stages=form.chosen(), by=request.user)
        if made:
            messages.success(
                request,
                f"{len(made)} task{'s' if len(made) != 1 else ''} from the starter map are on "
                "the map, with nobody owning them yet: give each an owner and a backup.",
            )
        else:
            messages.info(request, "The map already has every starter task of those stages.")
        return redirect("ownership:dashboard")
    present = set(Task.objects.values_list("name", flat=True))
    context = {
        "form": form,
        "offered": [(stage, tasks) for stage, tasks in offered if tasks],
        "present": present,
        "chosen": set(form.data.getlist("stages")) if form.is_bound else set(),
    }
    return render(
        request, "ownership/starter_map.html", context, status=400 if form.errors else 200
    )
