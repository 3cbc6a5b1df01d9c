"""Applying an import: all or nothing, with history naming the user and the file; updates
applied as previewed; an export imported again changes nothing."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ownership.lookup.index import reindex_tasks
from ownership.models import Assignment, Person, Role
from ownership.sheets.apply import ImportRefused, apply_import
from ownership.sheets.export import map_table
from ownership.sheets.files import read_table, write_csv, write_xlsx
from ownership.sheets.plan import plan_import
from tasks_registry.metrics import metric_named
from tasks_registry.models import Task
from tests.factories import AssignmentFactory, PersonFactory, TaskFactory, UserFactory
from tests.ownership.sheets.helpers import csv_bytes, table

pytestmark = pytest.mark.django_db

HEADER = ["task", "stage", "owner", "backup", "contributors", "rhythm", "definition_of_done"]


@pytest.fixture
def importer(db):
    return UserFactory(username="dana")


def test_a_sheet_is_imported_with_its_people_and_history(sam, importer):
    rows = [
        ["Gift wrap station", "Fulfilment", "Sam Carter", "Lena Ortiz <lena@shop.example>",
         "kai@shop.example", "weekly on monday", "Wraps restocked to 200\nStation photo in #ops"],
        ["Parcel insurance claims", "Delivery", "lena@shop.example", "", "", "", "Claims filed"],
    ]  # fmt: skip
    plan = apply_import(table=table(rows, HEADER), file_name="map.csv", by=importer)
    assert plan.counts == {"created": 2, "updated": 0, "unchanged": 0, "people_created": 2}
    wrap = Task.objects.get(name="Gift wrap station")
    assert wrap.stage.name == "Fulfilment"
    assert wrap.slug == "gift-wrap-station"
    assert wrap.rhythm == "weekly on monday"
    assert wrap.next_due_on is not None
    assert wrap.done_checklist == ["Wraps restocked to 200", "Station photo in #ops"]
    people = {a.role: a.person.email for a in wrap.assignments.select_related("person")}
    assert people == {
        Role.OWNER: "sam@shop.example",
        Role.BACKUP: "lena@shop.example",
        Role.CONTRIBUTOR: "kai@shop.example",
    }
    assert Person.objects.get(email="kai@shop.example").name == "Kai"
    record = wrap.history.get()
    assert (record.history_user, record.history_change_reason) == (
        importer,
        "imported from map.csv",
    )
    assert {h.history_change_reason for h in Assignment.history.all()} == {"imported from map.csv"}
    assert Person.history.filter(email="lena@shop.example").get().history_user == importer


def test_imported_tasks_are_found_by_the_lookup(sam, importer):
    from ownership.lookup import lookup

    rows = [["Gift wrap station", "Fulfilment", "Sam Carter", "", "", "", "Wraps restocked"]]
    apply_import(table=table(rows, HEADER), file_name="map.csv", by=importer)
    assert lookup("gift wrap").answers[0].task.name == "Gift wrap station"


def test_imported_tasks_show_the_gaps_of_the_people_they_came_with(sam, importer):
    from django.utils import timezone

    from ownership.gap_rules import gap_report

    rows = [
        ["Gift wrap station", "Fulfilment", "Sam Carter", "Lena Ortiz <lena@shop.example>",
         "", "weekly on monday", "Wraps restocked to 200"],
        ["Parcel insurance claims", "Delivery", "", "", "kai@shop.example", "weekly on monday",
         "Claims filed"],
    ]  # fmt: skip
    apply_import(table=table(rows, HEADER), file_name="map.csv", by=importer)
    report = gap_report(on=timezone.localdate())
    gaps = {
        task.name: [rule.code for rule in report.gaps_of.get(task.pk, ())]
        for task in Task.objects.all()
    }
    assert gaps == {
        "Gift wrap station": [],
        "Parcel insurance claims": ["contributors_no_owner", "no_backup", "vague_done"],
    }


def test_a_file_with_one_bad_row_among_good_ones_writes_nothing(sam, importer):
    rows = [
        ["Good one", "Fulfilment", "Sam Carter", "new@shop.example", "", "", "Done when counted"],
        ["Bad one", "Nowhere", "", "", "", "", ""],
        ["Good two", "Delivery", "", "", "", "", ""],
    ]
    before = (Task.objects.count(), Person.objects.count(), Assignment.objects.count())
    with pytest.raises(ImportRefused) as refused:
        apply_import(table=table(rows, HEADER), file_name="map.csv", by=importer)
    assert [(p.row, p.column) for p in refused.value.plan.problems] == [(3, "stage")]
    assert (Task.objects.count(), Person.objects.count(), Assignment.objects.count()) == before
    assert Task.history.count() == 0


def test_updates_are_applied_as_previewed(sam, priya, importer):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    AssignmentFactory(task=task, person=sam, role=Role.OWNER)
    AssignmentFactory(task=task, person=priya, role=Role.BACKUP)
    version = task.version
    stage, done = task.stage.name, task.definition_of_done
    rows = [["Returns notices", stage, "Priya Nair", "Sam Carter", "", "monthly on the 15th", done]]
    plan = apply_import(table=table(rows, HEADER), file_name="swap.csv", by=importer)
    assert plan.rows[0].changes == [
        "Rhythm: weekly on monday → monthly on the 15th",
        "Owner: Sam Carter → Priya Nair",
        "Backup: Priya Nair → Sam Carter",
    ]
    task.refresh_from_db()
    assert task.rhythm == "monthly on the 15th"
    assert task.version == version + 1
    people = {a.role: a.person for a in task.assignments.all()}
    assert people == {Role.OWNER: priya, Role.BACKUP: sam}
    assert task.history.first().history_change_reason == "imported from swap.csv"
    assert task.history.first().history_user == importer


def test_an_empty_people_cell_takes_those_people_off(sam, priya, importer):
    task = TaskFactory(name="Returns notices")
    AssignmentFactory(task=task, person=sam, role=Role.OWNER)
    AssignmentFactory(task=task, person=priya, role=Role.CONTRIBUTOR)
    sheet = table([["Returns notices", "", ""]], ["task", "owner", "contributors"])
    plan = apply_import(table=sheet, file_name="m.csv", by=importer)
    assert plan.rows[0].changes == [
        "Owner: Sam Carter → (nobody)",
        "Contributors: removed Priya Nair",
    ]
    assert not task.assignments.exists()


@pytest.fixture
def mapped(sam, priya):
    """A small map with every column in use, a departed owner, and text a spreadsheet would
    run as a formula."""
    gone = PersonFactory(name="Tom Reyes", email="tom@shop.example", departed_on="2026-01-01")
    first = TaskFactory(
        name="SEO metadata",
        rhythm="monthly on the first business day",
        aliases="seo\nbroken links",
        systems="CMS",
        metric=metric_named("order accuracy"),
        description="-5% bounce is the goal\n\nTwo paragraphs.",
        definition_of_done="=no 404s\n+ titles set",
        criticality="high",
    )
    AssignmentFactory(task=first, person=gone, role=Role.OWNER)
    AssignmentFactory(task=first, person=sam, role=Role.CONTRIBUTOR)
    AssignmentFactory(task=first, person=priya, role=Role.INFORMED)
    second = TaskFactory(name="Carrier review", rhythm="")
    AssignmentFactory(task=second, person=priya, role=Role.OWNER)
    AssignmentFactory(task=second, person=sam, role=Role.BACKUP)
    reindex_tasks([first.pk, second.pk])
    return [first, second]


@pytest.mark.parametrize(
    ("write", "name"),
    [(write_csv, "map.csv"), (lambda h, r: write_xlsx(h, r, "Map"), "map.xlsx")],
)
def test_an_export_imported_again_changes_nothing(mapped, importer, write, name):
    data = write(*map_table(Task.objects.filter(is_active=True)))
    plan = plan_import(read_table(data, name), name)
    assert plan.problems == []
    assert plan.counts == {"created": 0, "updated": 0, "unchanged": 2, "people_created": 0}
    history = (Task.history.count(), Assignment.history.count())
    apply_import(table=read_table(data, name), file_name=name, by=importer)
    assert (Task.history.count(), Assignment.history.count()) == history


def test_the_command_dry_run_lists_errors_as_objects_and_writes_nothing(tmp_path, sam):
    path = tmp_path / "map.csv"
    path.write_bytes(csv_bytes([["Gift wrap", "Nowhere", "Zed", "", "", "", ""]], HEADER))
    out = StringIO()
    with pytest.raises(CommandError, match=r"2 problems: nothing was imported\."):
        call_command("import_map", str(path), "--dry-run", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["errors"] == [
        {"row": 2, "column": "stage", "message": data["errors"][0]["message"]},
        {"row": 2, "column": "owner", "message": data["errors"][1]["message"]},
    ]
    assert data["errors"][1]["message"].startswith("Nobody called “Zed” is on the map.")
    assert not Task.objects.exists()


def test_the_command_imports_and_says_what_it_did(tmp_path, sam):
    path = tmp_path / "map.csv"
    rows = [["Gift wrap", "Fulfilment", "Sam Carter", "", "", "weekly on friday", "Wrapped"]]
    path.write_bytes(csv_bytes(rows, HEADER))
    out = StringIO()
    call_command("import_map", str(path), stdout=out)
    assert "row 2: new task “Gift wrap”" in out.getvalue()
    assert "Imported: 1 new, 0 updated, 0 unchanged tasks; 0 new people." in out.getvalue()
    assert Task.objects.get().history.get().history_change_reason == "imported from map.csv"

    out = StringIO()
    call_command("import_map", str(path), "--dry-run", "--json", stdout=out)
    assert json.loads(out.getvalue())["counts"]["unchanged"] == 1


def test_the_command_says_why_a_file_cannot_be_read(tmp_path):
    path = tmp_path / "map.pdf"
    path.write_bytes(b"%PDF")
    out = StringIO()
    with pytest.raises(CommandError, match=r"map\.pdf is not a file Ownermap reads"):
        call_command("import_map", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["row"] is None
