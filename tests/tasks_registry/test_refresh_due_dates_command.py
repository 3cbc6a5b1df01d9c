import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from tasks_registry.models import Task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_changing_the_holidays_moves_due_dates_once_the_command_runs():
    task = TaskFactory(
        rhythm="monthly on the last business day", rhythm_set_on=datetime.date(2026, 12, 1)
    )
    call_command("refresh_due_dates", stdout=StringIO())
    assert Task.objects.get(pk=task.pk).next_due_on == datetime.date(2026, 12, 31)
    out = StringIO()
    with override_settings(OWNERMAP_HOLIDAYS=["12-31"]):
        call_command("refresh_due_dates", stdout=out)
    assert Task.objects.get(pk=task.pk).next_due_on == datetime.date(2026, 12, 30)
    assert out.getvalue() == "1 task got a new next due date.\n"
