"""The rhythm picker's live preview: what it says so far, in words, and the next days it would
fall due."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tasks_registry.forms import RhythmPickerForm
from tasks_registry.permissions import EDIT_MAP


@require_GET
@permission_required(EDIT_MAP, raise_exception=True)
def rhythm_preview(request: HttpRequest) -> HttpResponse:
    context = RhythmPickerForm(request.GET).preview(timezone.localdate())
    return render(request, "tasks_registry/_rhythm_picker.html#preview", context)
