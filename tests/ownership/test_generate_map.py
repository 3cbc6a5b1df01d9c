import pytest
from django.core.management import CommandError, call_command

from ownership import demo_data
from ownership.lookup import lookup
from ownership.lookup.index import search_names_of
from ownership.models import Assignment, Person, Role, Team
from tasks_registry.due import refresh_next_due
from tasks_registry.models import Task

pytestmark = pytest.mark.django_db


def test_generate_map_builds_a_searchable_map_and_can_run_again(capsys):
    call_command("generate_map", tasks=130, people=40)
    call_command("generate_map", tasks=10, people=5)
    assert Task.objects.count() == 140
    assert Person.objects.count() == 45
    assert Task.history.count() == 140
    assert not Team.objects.filter(lead__isnull=True).exists()
    owned = Assignment.objects.filter(role=Role.OWNER).count()
    assert 100 <= owned < 140
    result = lookup("holiday cutoff", limit=50)
    named = Task.objects.filter(name__startswith="Holiday shipping cutoff sign-off").count()
    assert named > 0
    # Those named for both words come first; synonyms ("christmas", "deadline") after.
    first = [a.task.name for a in result.answers[:named]]
    assert all(name.startswith("Holiday shipping cutoff sign-off") for name in first)
    assert "Generated 10 tasks, 5 people" in capsys.readouterr().out


def test_generate_map_run_twice_alike_numbers_its_names_on():
    """The same seed draws the same brands and regions: a second run's names go on from the
    first's, since task names are unique whatever their case."""
    size = len(demo_data.TASKS) + 3
    call_command("generate_map", tasks=size, people=10)
    call_command("generate_map", tasks=size, people=10)
    assert Task.objects.count() == 2 * size


def test_generate_map_writes_each_task_with_its_due_date_and_search_names():
    call_command("generate_map", tasks=40, people=10)
    tasks = list(Task.objects.all())
    for task in tasks:
        assert task.search_names == search_names_of(task)
    due = {task.pk: task.next_due_on for task in tasks}
    assert any(due.values())
    assert refresh_next_due(tasks) == 0  # nothing left to move
    assert {task.pk: task.next_due_on for task in tasks} == due


@pytest.mark.parametrize(("tasks", "people"), [(0, 5), (-3, 5), (10, 4), (10, 0)])
def test_generate_map_refuses_nonsense_sizes(tasks, people):
    with pytest.raises(CommandError, match="Give at least 1 task and 5 people"):
        call_command("generate_map", tasks=tasks, people=people)
    assert Task.objects.count() == 0


def test_generate_map_leaves_the_planner_with_the_new_table_sizes():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call_command("generate_map", tasks=5, people=6)
    # After the load, not before: statistics taken of an empty map would mislead the planner.
    assert captured.captured_queries[-1]["sql"] == "ANALYZE"
