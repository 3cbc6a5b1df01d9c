"""Migration 0016: the free-text metric names tasks had become metrics, the seven standard
ones with their units, and any other name a metric of its own; past versions follow."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tasks_registry", "0015_metrics")]
AFTER = [("tasks_registry", "0017_task_metric")]


@pytest.mark.django_db(transaction=True)
def test_metric_names_become_metrics_for_tasks_and_their_history():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Stage = apps.get_model("tasks_registry", "Stage")
        Task = apps.get_model("tasks_registry", "Task")
        HistoricalTask = apps.get_model("tasks_registry", "HistoricalTask")
        # An earlier test in a transaction may have flushed the migrations' stages.
        stage = Stage.objects.first() or Stage.objects.create(name="Discover", slug="discover")
        for n, name in enumerate(["order accuracy", "Pick and pack time", "claims recovered", ""]):
            task = Task.objects.create(name=f"Task {n}", slug=f"task-{n}", stage=stage, metric=name)
            HistoricalTask.objects.create(
                id=task.pk, name=task.name, slug=task.slug, stage_id=stage.pk, metric=name,
                history_type="+", history_date="2026-01-01T00:00Z", criticality="normal",
                version=1, created_at="2026-01-01T00:00Z", updated_at="2026-01-01T00:00Z",
            )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        Task = apps.get_model("tasks_registry", "Task")
        HistoricalTask = apps.get_model("tasks_registry", "HistoricalTask")
        named = dict(Task.objects.values_list("name", "metric__name"))
        assert named == {
            "Task 0": "Order accuracy",
            "Task 1": "Pick-and-pack time",
            "Task 2": "claims recovered",
            "Task 3": None,
        }
        claims = apps.get_model("tasks_registry", "Metric").objects.get(name="claims recovered")
        assert (claims.unit, claims.direction, claims.target) == ("count", "lower", None)
        past = dict(HistoricalTask.objects.values_list("name", "metric_id"))
        assert past == dict(Task.objects.values_list("name", "metric_id"))
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
