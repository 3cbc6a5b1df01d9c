"""The lookup's evaluation set, run by the suite: maps written as sheets with no aliases, and
questions in users' words (bench/findability/). bench/findability.py prints the same figures
with every miss; here they must not fall below what the lookup reaches today."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from ownership.findability import evaluate, read_questions
from ownership.sheets.apply import apply_import
from ownership.sheets.files import read_table

pytestmark = pytest.mark.django_db
SETS = Path(__file__).resolve().parents[2] / "bench" / "findability"
# Top-1 accuracy each set reached when its floor was set (bench/findability.py), less a little
# room for ties that the two databases order differently.
FLOORS = {
    "kettle_and_crumb": 0.87,
    "loop_apparel": 0.88,
    "brightside_home": 0.91,
    "demo_store": 0.95,
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_right_task_comes_first_on_maps_nobody_tuned(name):
    sheet = SETS / f"{name}.csv"
    if sheet.exists():
        apply_import(
            table=read_table(sheet.read_bytes(), sheet.name), file_name=sheet.name, by=None
        )
    else:
        call_command("seed_demo", stdout=io.StringIO())
    report = evaluate(name, read_questions(SETS / f"{name}.txt"))
    misses = [f"{m.question.text!r} → {m.got[:1]}" for m in report.misses]
    assert report.top1_share >= FLOORS[name], misses
    assert report.top3_share >= 0.9
