"""My tasks: what is due for the signed-in person, and what comes next (confirming it done:
confirmations.py)."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from config.rendering import HtmxRequest, render_page
from ownership.agenda import MY_TASKS, my_tasks_context
from ownership.permissions import VIEW_MAP


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def my_tasks_page(request: HtmxRequest) -> HttpResponse:
    context = my_tasks_context(request.user, pages=request.GET)
    return render_page(request, MY_TASKS, context, partial="due-list")
