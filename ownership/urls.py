from django.urls import path

from ownership import views

app_name = "ownership"

urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<slug:slug>/", views.task_detail, name="task_detail"),
]
