"""The sheet's patterns column: read, checked at its cell, written with the task, exported."""

import pytest

from ownership.sheets.apply import ImportRefused, apply_import
from ownership.sheets.export import map_table
from ownership.sheets.plan import Problem, plan_import
from tasks_registry.changes import update_task
from tasks_registry.models import Task, TaskPattern
from tests.factories import TaskFactory
from tests.ownership.sheets.helpers import table

pytestmark = pytest.mark.django_db
HEADER = ["task", "stage", "patterns"]


def test_patterns_are_imported_and_then_find_their_task():
    rows = [["Checkout flow testing", "Cart & checkout", "/checkout/*; CHK-ERR-??"]]
    apply_import(table=table(rows, HEADER), file_name="map.csv", by=None)
    task = Task.objects.get()
    assert task.pattern_list == ["/checkout/*", "chk-err-??"]
    assert sorted(TaskPattern.objects.values_list("pattern", flat=True)) == [
        "/checkout/*",
        "chk-err-??",
    ]
    from ownership.lookup import lookup

    assert [a.task.name for a in lookup("CHK-ERR-42").answers] == ["Checkout flow testing"]


def test_a_pattern_another_task_claims_is_refused_at_its_cell():
    other = TaskFactory(name="Payments")
    update_task(task=other, by=None, patterns="/checkout/*")
    rows = [
        ["Checkout flow testing", "Cart & checkout", "/checkout/*"],
        ["Cart page", "Cart & checkout", "/cart/*"],
        ["Basket page", "Cart & checkout", "/cart/*"],
        ["Odd one", "Cart & checkout", "*"],
    ]
    plan = plan_import(table(rows, HEADER), "map.csv")
    assert plan.problems == [
        Problem(2, "patterns", "“/checkout/*” already belongs to “Payments”."),
        Problem(4, "patterns", "“/cart/*” is also claimed on row 3."),
        Problem(5, "patterns", "“*” would match almost anything: give it some fixed characters."),
    ]
    with pytest.raises(ImportRefused):
        apply_import(table=table(rows, HEADER), file_name="map.csv", by=None)
    assert TaskPattern.objects.count() == 1


def test_patterns_are_exported():
    task = TaskFactory(name="Promo code setup")
    update_task(task=task, by=None, patterns="SUMMER*\nBF25*")
    _header, (row,) = map_table(Task.objects.all())
    assert "summer*; bf25*" in row
