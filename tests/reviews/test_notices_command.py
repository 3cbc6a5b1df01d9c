"""manage.py notices: what was made, to whom, about what, and whether it went."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from reviews.models import Notice, NoticeKind
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(db):
    sam = PersonFactory(name="Sam Lee", email="sam@example.com")
    task = TaskFactory(name="Returns notices")
    old = Notice.objects.create(
        key="overdue:task:1:2026-11-20", kind=NoticeKind.OVERDUE, person=sam, task=task
    )
    Notice.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3), sent_at=timezone.now()
    )
    Notice.objects.create(
        key="digest:2026-W49:person:1",
        kind=NoticeKind.DIGEST,
        person=sam,
        skipped_because="nothing left to say",
    )
    Notice.objects.create(key="session:2:person:1", kind=NoticeKind.SESSION, person=sam)


def _listed(*args) -> list[dict]:
    out = StringIO()
    call_command("notices", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_notices_are_listed_newest_first_with_whether_they_went(made):
    rows = _listed()
    assert [(r["kind"], r["state"]) for r in rows] == [
        ("session", "waiting"),
        ("digest", "skipped"),
        ("overdue", "sent"),
    ]
    overdue = rows[-1]
    assert (overdue["person"], overdue["task"], overdue["key"]) == (
        "Sam Lee",
        "Returns notices",
        "overdue:task:1:2026-11-20",
    )
    assert overdue["sent"] is not None
    assert rows[1]["skipped_because"] == "nothing left to say"


def test_since_keeps_the_notices_made_from_that_moment(made):
    since = (timezone.localtime() - datetime.timedelta(days=1)).isoformat()
    assert [r["kind"] for r in _listed("--since", since)] == ["session", "digest"]


def test_in_words_one_line_each_and_a_count(made):
    out = StringIO()
    call_command("notices", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == "3 notices."
    assert "waiting  session  Sam Lee  (session:2:person:1)" in lines[0]


def test_a_moment_it_cannot_read_is_refused(db):
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("notices", "--since", "last week")
