from django.urls import path

from ownership import api
from ownership.views import dashboard, editing, history, maps, people, tasks

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
    path("tasks/new", editing.task_create, name="task_create"),
    path("tasks/<slug:slug>/", tasks.task_detail, name="task_detail"),
    path("tasks/<slug:slug>/edit", editing.task_edit, name="task_edit"),
    path("tasks/<slug:slug>/retire", editing.task_retire, name="task_retire"),
    path("tasks/<slug:slug>/restore", editing.task_restore, name="task_restore"),
    path(
        "tasks/<slug:slug>/versions/<int:record_id>/restore",
        editing.task_restore_version,
        name="task_restore_version",
    ),
    path("tasks/<slug:slug>/people/add", editing.task_assign, name="task_assign"),
    path(
        "tasks/<slug:slug>/people/<int:assignment_id>/remove",
        editing.task_unassign,
        name="task_unassign",
    ),
    path("t/<slug:slug>", tasks.task_permalink, name="task_permalink"),
    path("map/", maps.map_by_stage, name="map_by_stage"),
    path("map/raci", maps.raci, name="raci"),
    path("map/raci.csv", maps.raci_csv, name="raci_csv"),
    path("people/", people.person_list, name="person_list"),
    path("people/new", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit", people.person_edit, name="person_edit"),
    path("people/<int:pk>/away", people.person_away, name="person_away"),
    path("people/<int:pk>/departed", people.person_departed, name="person_departed"),
    path("people/<int:pk>/returned", people.person_returned, name="person_returned"),
    path("people/<int:pk>/handover", people.person_handover, name="person_handover"),
    path("teams/", people.team_list, name="team_list"),
    path("teams/new", people.team_create, name="team_create"),
    path("teams/<slug:slug>/", maps.team_detail, name="team_detail"),
    path("teams/<slug:slug>/edit", people.team_edit, name="team_edit"),
    path("changes/", history.changes, name="changes"),
    path("api/whoowns", api.whoowns, name="api_whoowns"),
]
