"""The dry run: every kind of problem, at its row (as a spreadsheet numbers it) and column, in
words; and what each good row would create or change."""

import datetime

import pytest

from ownership.models import Assignment, Person, Role
from ownership.sheets.plan import Problem, plan_import
from tests.factories import AssignmentFactory, PersonFactory, TaskFactory
from tests.ownership.sheets.helpers import table

pytestmark = pytest.mark.django_db

FULL = [
    "task",
    "stage",
    "owner",
    "backup",
    "contributors",
    "rhythm",
    "definition_of_done",
    "criticality",
]


def _plan(rows, header=FULL):
    return plan_import(table(rows, header), "map.csv")


def _row(task="Gift wrap station", stage="Fulfilment", owner="", backup="", contributors="",
         rhythm="weekly on monday", done="Wraps restocked to 200", criticality="high"):  # fmt: skip
    return [task, stage, owner, backup, contributors, rhythm, done, criticality]


CASES = {
    "unknown-stage": (
        _row(stage="Fulfillment"),
        "stage",
        "There is no stage “Fulfillment”; the closest is “Fulfilment”.",
    ),
    "no-stage": (_row(stage=""), "stage", "A new task needs a stage: one of “Discover”,"),
    "owner-is-backup": (
        _row(owner="Sam Carter", backup="sam@shop.example"),
        "backup",
        "Sam Carter is both owner and backup: the backup must be someone else",
    ),
    "two-owners": (
        _row(owner="Sam Carter; Priya Nair"),
        "owner",
        "One owner per task: this cell names 2 (Sam Carter, Priya Nair).",
    ),
    "two-owners-comma": (
        _row(owner="Sam Carter, Priya Nair"),
        "owner",
        "One owner per task: this cell names 2",
    ),
    "rhythm": (
        _row(rhythm="whenever it rains"),
        "rhythm",
        "“whenever it rains” is not a rhythm Ownermap can read. "
        "Write it like one of these: “weekly on monday”",
    ),
    "malformed-email": (
        _row(owner="Sam <sam@@shop>"),
        "owner",
        "“sam@@shop” is not an email address.",
    ),
    "malformed-bare-email": (
        _row(backup="not-an-email@"),
        "backup",
        "“not-an-email@” is not an email address.",
    ),
    "namesake": (
        _row(backup="Sam Carter <sam.carter@other.example>"),
        "backup",
        "Sam Carter is already on the map as sam@shop.example: give that email, or a name",
    ),
    "overlong-email": (
        _row(owner=f"Sam <{'s' * 250}@shop.example>"),
        "owner",
        f"“{'s' * 250}@shop.example” is not an email address.",
    ),
    "empty-task": (_row(task=""), "task", "The task's name is empty: every row needs one."),
    "unknown-person": (
        _row(owner="Sam Carer"),
        "owner",
        "Nobody called “Sam Carer” is on the map. Did you mean “Sam Carter”? "
        "To add someone new, give their email too",
    ),
    "criticality": (
        _row(criticality="urgent"),
        "criticality",
        "“urgent” is not a criticality: use critical, high, normal.",
    ),
    "formula": (
        _row(owner='=HYPERLINK("http://evil")'),
        "owner",
        '“=HYPERLINK("http://evil")” looks like a spreadsheet formula, which Ownermap does not run',
    ),
    "formula-at": (
        _row(done="@SUM(A1:A9)"),
        "definition_of_done",
        "“@SUM(A1:A9)” looks like a spreadsheet formula",
    ),
    "long-name": (_row(task="x" * 201), "task", "A task's name is at most 200 characters."),
}


@pytest.mark.parametrize(("row", "column", "message"), CASES.values(), ids=CASES.keys())
def test_each_problem_is_named_at_its_row_and_column(sam, priya, row, column, message):
    plan = _plan([_row(task="Fine task"), row])
    assert len(plan.problems) == 1
    [problem] = plan.problems
    assert (problem.row, problem.column) == (3, column)
    assert problem.message.startswith(message)
    assert not plan.ok


def test_a_task_named_twice_in_the_file_is_a_problem_on_the_later_row():
    plan = _plan([_row(), _row(task="Other"), _row(task="gift wrap station ")])
    assert plan.problems == [
        Problem(4, "task", "“gift wrap station” is also on row 2: one row per task.")
    ]


def test_a_name_shared_by_two_people_needs_their_email(sam):
    PersonFactory(name="Sam Carter", email="sam.two@shop.example")
    [problem] = _plan([_row(owner="Sam Carter")]).problems
    assert problem.message.startswith("2 people are called “Sam Carter”: give the email")


def test_someone_who_has_left_cannot_be_given_a_task(sam):
    sam.departed_on = datetime.date(2026, 1, 31)
    sam.save()
    [problem] = _plan([_row(owner="Sam Carter")]).problems
    assert problem == Problem(
        2,
        "owner",
        "Sam Carter left on 31 Jan 2026 and cannot be the owner; name someone who is still here.",
    )


def test_no_task_column_is_a_problem_with_the_header():
    plan = plan_import(table([["x"]], ["name of the thing"]), "map.csv")
    assert plan.problems[0].row == 1
    assert plan.problems[0].message.startswith("No “task” column")


def test_a_stage_like_no_other_lists_the_stages():
    [problem] = _plan([_row(stage="Nowhere")]).problems
    assert problem.message.startswith("There is no stage “Nowhere”; the stages are “Discover”,")


def test_every_problem_in_the_file_is_listed_in_row_order(sam):
    plan = _plan([_row(stage="Nowhere"), _row(task="Fine"), _row(task="Bad", owner="Zed")])
    assert [(p.row, p.column) for p in plan.problems] == [(2, "stage"), (4, "owner")]


def test_headers_ignore_case_and_spaces_and_unknown_columns_are_reported():
    header = ["  Task ", "STAGE", "Definition of Done", "Colour"]
    plan = plan_import(table([["Stocktake", "fulfilment", "Counted", "blue"]], header), "m.csv")
    assert plan.ok
    assert plan.columns == ["task", "stage", "definition_of_done"]
    assert plan.unknown_columns == ["Colour"]
    assert plan.rows[0].values["definition_of_done"] == "Counted"


def test_a_new_task_with_its_people_and_new_people_given_with_an_email(sam):
    plan = _plan(
        [
            _row(
                owner="Sam Carter",
                backup="Lena Ortiz <lena@shop.example>",
                contributors="kai.berg@shop.example; Lena Ortiz",
            )
        ]
    )
    assert plan.ok
    assert plan.counts == {"created": 1, "updated": 0, "unchanged": 0, "people_created": 2}
    assert [(p.name, p.email) for p in plan.new_people] == [
        ("Lena Ortiz", "lena@shop.example"),
        ("Kai Berg", "kai.berg@shop.example"),
    ]
    row = plan.rows[0]
    assert row.action == "create"
    assert row.values["rhythm"] == "weekly on monday"
    assert row.values["criticality"] == "high"
    assert [ref.name for ref in row.people[Role.CONTRIBUTOR]] == ["Kai Berg", "Lena Ortiz"]


def test_a_row_for_an_existing_task_says_what_changes(sam, priya):
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    AssignmentFactory(task=task, person=sam, role=Role.OWNER)
    AssignmentFactory(task=task, person=priya, role=Role.CONTRIBUTOR)
    plan = _plan(
        [
            _row(
                task="returns notices",
                stage=task.stage.name,
                owner="Priya Nair",
                contributors="Sam Carter",
                rhythm="monthly on the 15th",
                done=task.definition_of_done,
                criticality="normal",
            )
        ]
    )
    [row] = plan.rows
    assert row.action == "update"
    assert row.changes == [
        "Name: Returns notices → returns notices",
        "Rhythm: weekly on monday → monthly on the 15th",
        "Owner: Sam Carter → Priya Nair",
        "Contributors: added Sam Carter; removed Priya Nair",
    ]


def test_a_task_matched_by_its_slug_keeps_its_name():
    task = TaskFactory(name="Returns notices")
    plan = plan_import(table([["returns-notices", "Discover"]], ["task", "stage"]), "m.csv")
    assert plan.rows[0].task == task
    assert plan.rows[0].action == "unchanged"


def test_columns_left_out_of_the_sheet_leave_those_fields_and_people_alone(sam):
    task = TaskFactory(name="Returns notices")
    AssignmentFactory(task=task, person=sam, role=Role.OWNER)
    plan = plan_import(table([["Returns notices", "high"]], ["task", "criticality"]), "m.csv")
    assert plan.rows[0].changes == ["Criticality: Normal → High"]
    assert plan.rows[0].people == {}


def test_the_dry_run_writes_nothing(sam):
    before = (Person.objects.count(), Assignment.objects.count())
    plan = _plan([_row(owner="New Person <new@shop.example>")])
    assert plan.ok
    assert (Person.objects.count(), Assignment.objects.count()) == before


def test_the_json_lists_errors_as_row_column_and_message():
    data = _plan([_row(stage="Fulfilmint")]).as_json()
    assert data["ok"] is False
    assert data["errors"] == [
        {
            "row": 2,
            "column": "stage",
            "message": "There is no stage “Fulfilmint”; the closest is “Fulfilment”.",
        }
    ]


def test_a_sheets_repeated_texts_are_held_once_and_an_unusable_task_cell_said_once():
    """A large sheet repeats its definitions of done thousands of times: the plan keeps one
    copy. The task column is read before the rows are planned; its problem is still said once."""
    plan = _plan(
        [
            _row(task="Gift wrap station", done="Wraps restocked to 200"),
            _row(task="Returns desk", done="Wraps restocked to 200"),
            _row(task="=CMD()"),
        ]
    )
    first, second = (row.values["definition_of_done"] for row in plan.rows)
    assert first == "Wraps restocked to 200"
    assert first is second
    assert [problem.row for problem in plan.problems] == [4]
    assert "looks like a spreadsheet formula" in plan.problems[0].message
