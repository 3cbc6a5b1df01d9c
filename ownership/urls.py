from django.urls import path

from ownership import api, views

app_name = "ownership"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<slug:slug>/", views.task_detail, name="task_detail"),
    path("t/<slug:slug>", views.task_permalink, name="task_permalink"),
    path("api/whoowns", api.whoowns, name="api_whoowns"),
]
