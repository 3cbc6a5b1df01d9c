"""The app's URLs and the floor of the stack: what any request of a signed-in person costs here
(gunicorn, Django, the app's middleware, the session and the user) plus one indexed query and
no template. The lookup is measured against it (bench/scale.py)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import escape

from config.urls import urlpatterns as app_urls
from tasks_registry.models import Task


def floor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise PermissionDenied
    name = Task.objects.filter(pk=request.GET.get("id", "1")).values_list("name", flat=True)
    return HttpResponse(escape(name.first() or ""))


urlpatterns = [path("floor/", floor), *app_urls]
