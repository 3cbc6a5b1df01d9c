from django.apps import AppConfig


class TasksRegistryConfig(AppConfig):
    name = "tasks_registry"
    verbose_name = "Tasks"
