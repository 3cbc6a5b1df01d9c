"""The sheet's promises column: the promises a task repeats, with where, checked at its cell,
written through the promises' write functions, and exported so that importing it back changes
nothing."""

import pytest

from ownership.sheets.apply import ImportRefused, apply_import
from ownership.sheets.columns import HEADER as EXPORT_HEADER
from ownership.sheets.export import map_table
from ownership.sheets.plan import Problem, plan_import
from tasks_registry.models import PromiseLink, Task
from tasks_registry.promises import create_promise, link_task
from tests.factories import TaskFactory
from tests.ownership.sheets.helpers import table

pytestmark = pytest.mark.django_db
HEADER = ["task", "stage", "promises"]


@pytest.fixture
def promises():
    owner = TaskFactory(name="Shipping promise")
    return [
        create_promise(by=None, name=name, kind="other", wording=f"{name}.", owning_task=owner)
        for name in ("Delivery within 3 business days", "Free delivery (UK)", "Free returns")
    ]


def _places(task_name: str) -> set[tuple[str, str]]:
    return set(
        PromiseLink.objects.filter(task__name=task_name).values_list("promise__name", "place")
    )


def test_a_sheet_links_the_promises_a_task_repeats_with_where(promises):
    rows = [
        [
            "Order confirmation email",
            "Delivery",
            "delivery within 3 business days (order email › Delivery line); "
            "Free delivery (UK) (email footer)",
        ]
    ]
    apply_import(table=table(rows, HEADER), file_name="map.csv", by=None)
    assert _places("Order confirmation email") == {
        ("Delivery within 3 business days", "order email › Delivery line"),
        ("Free delivery (UK)", "email footer"),
    }
    link = PromiseLink.objects.get(promise__name="Free delivery (UK)")
    assert link.is_up_to_date
    assert link.history.get().history_change_reason == "imported from map.csv"


def test_a_task_keeps_its_place_when_the_cell_does_not_say_and_loses_what_it_omits(promises):
    task = TaskFactory(name="FAQ upkeep")
    link_task(promise=promises[0], task=task, place="FAQ › Shipping", by=None)
    link_task(promise=promises[2], task=task, place="FAQ › Returns", by=None)
    rows = [["FAQ upkeep", "", "Delivery within 3 business days"]]
    plan = plan_import(table(rows, HEADER), "map.csv")
    (row,) = plan.rows
    assert row.changes == [
        "Promises: Delivery within 3 business days (FAQ › Shipping); Free returns (FAQ › "
        "Returns) → Delivery within 3 business days (FAQ › Shipping)"
    ]
    apply_import(table=table(rows, HEADER), file_name="map.csv", by=None)
    assert _places("FAQ upkeep") == {("Delivery within 3 business days", "FAQ › Shipping")}


def test_unknown_promises_and_places_not_said_are_refused_at_the_cell(promises):
    rows = [
        ["Order confirmation email", "Delivery", "Free retruns (email)"],
        ["Checkout banner", "Delivery", "Free returns"],
        ["Size guide", "Delivery", "Free returns (a); free returns (b)"],
    ]
    plan = plan_import(table(rows, HEADER), "map.csv")
    assert plan.problems == [
        Problem(
            2,
            "promises",
            "There is no promise “Free retruns”. Did you mean “Free returns”? Add it on the "
            "Promises page first.",
        ),
        Problem(
            3,
            "promises",
            "Say where the task repeats “Free returns”: “Free returns (FAQ › Shipping)”.",
        ),
        Problem(4, "promises", "“Free returns” is named twice."),
    ]
    with pytest.raises(ImportRefused):
        apply_import(table=table(rows, HEADER), file_name="map.csv", by=None)
    assert not Task.objects.filter(name="Size guide").exists()
    assert not PromiseLink.objects.exists()


def test_an_exported_map_imports_back_unchanged(promises):
    task = TaskFactory(name="FAQ upkeep")
    link_task(promise=promises[1], task=task, place="FAQ › Shipping, costs", by=None)
    link_task(promise=promises[2], task=task, place="FAQ (returns)", by=None)
    _labels, rows = map_table(Task.objects.all())
    at = EXPORT_HEADER.index("promises")
    faq = next(row for row in rows if row[0] == "FAQ upkeep")
    assert faq[at] == "Free delivery (UK) (FAQ › Shipping, costs); Free returns (FAQ (returns))"
    plan = plan_import(table(rows, EXPORT_HEADER), "map.csv")
    assert [row.action for row in plan.rows] == ["unchanged", "unchanged"]
