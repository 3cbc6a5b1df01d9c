from django.urls import path

from ownership import api
from ownership.views import dashboard, tasks

app_name = "ownership"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("dashboard/fix/<slug:slug>/owner", dashboard.fix_owner, name="fix_owner"),
    path("dashboard/fix/<slug:slug>/backup", dashboard.fix_backup, name="fix_backup"),
    path(
        "dashboard/fix/<slug:slug>/keep-owner",
        dashboard.fix_confirm_owner,
        name="fix_confirm_owner",
    ),
    path("dashboard/fix/<slug:slug>/done", dashboard.fix_done, name="fix_done"),
    path("dashboard/fix/<slug:slug>/rhythm", dashboard.fix_rhythm, name="fix_rhythm"),
    path("people/suggest", dashboard.people_suggest, name="people_suggest"),
    path("search/", tasks.search, name="search"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<slug:slug>/", tasks.task_detail, name="task_detail"),
    path("t/<slug:slug>", tasks.task_permalink, name="task_permalink"),
    path("api/whoowns", api.whoowns, name="api_whoowns"),
]
