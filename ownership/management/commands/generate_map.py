"""A large, believable map for benchmarks: the demo store's tasks, run by many brands in many
regions, each with its own people. Writes in bulk (with history), then indexes for search."""

import random
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from ownership import demo_data
from ownership.gap_facts import refresh_gap_facts
from ownership.lookup.index import reindex_tasks, search_names_of
from ownership.models import Assignment, Person, Role, Team
from tasks_registry.due import fill_next_due
from tasks_registry.metrics import metric_named
from tasks_registry.models import Stage, Task

BRANDS = [
    "Fernhill", "Alder & Co", "Northpeak", "Saltmarsh", "Kestrel", "Bramble", "Cobalt Trail",
    "Juniper", "Harbour Lane", "Quarry", "Willowby", "Summit Kids", "Tideline", "Oakmoss",
]  # fmt: skip
REGIONS = [
    "UK", "Ireland", "Germany", "France", "Spain", "Italy", "Netherlands", "Nordics", "Poland",
    "US East", "US West", "Canada", "Australia", "Japan", "Singapore", "Middle East",
]  # fmt: skip
FIRST = [
    "Alex", "Sam", "Priya", "Leo", "Maya", "Dana", "Ravi", "Nina", "Chris", "Jess", "Mark", "Ana",
    "Ben", "Kofi", "Lucy", "Rosa", "Ethan", "Amira", "Josh", "Fatima", "Noah", "Claire", "Ivan",
    "Sofia", "Daniel", "Emma", "Hugo", "Zoe", "Yuki", "Arjun", "Olga", "Pete", "Sara", "Marcus",
    "Linda", "Victor", "Irene", "Omar", "Grace", "Helen", "Tariq", "Mei", "Jonas", "Aisha",
]  # fmt: skip
LAST = [
    "Carter", "Nair", "Fischer", "Brooks", "Kowalski", "Patel", "Alvarez", "Osei", "Moreau",
    "Jensen", "Silva", "Walsh", "Mensah", "Tran", "Delgado", "Park", "Khan", "Miller", "Zahra",
    "Becker", "Dubois", "Petrov", "Rossi", "Kim", "Wilson", "Martin", "Adams", "Tanaka", "Mehta",
    "Ivanova", "Novak", "Lindqvist", "Bell", "Hoffman", "Chen", "Costa", "Haddad", "Liu", "Marsh",
]  # fmt: skip
TEAM_NAMES = [name for name, _description in demo_data.TEAMS]
# People drawn for each task: owner, backup and up to three contributors.
CAST = 5


class Command(BaseCommand):
    help = "Add a large generated map (for benchmarks): N tasks and M people."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, required=True)
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--seed", type=int, default=7, help="random seed (repeatable maps)")

    def handle(self, *args: Any, **options: Any) -> None:
        n_tasks, n_people = options["tasks"], options["people"]
        if n_tasks < 1 or n_people < CAST:
            raise CommandError(f"Give at least 1 task and {CAST} people (each task has {CAST}).")
        rng = random.Random(options["seed"])  # noqa: S311 - repeatable test data, no secret
        run = f"g{uuid.uuid4().hex[:6]}"  # keeps names unique when run again
        with transaction.atomic():
            teams = self._teams(run, max(1, n_people // 10))
            people = self._people(run, n_people, teams, rng)
            # Every team has a lead: the first of its people.
            for team in teams:
                team.lead = next(p for p in people if p.team_id == team.pk)
            Team.objects.bulk_update(teams, ["lead"])
            tasks = self._tasks(run, n_tasks, rng)
            self._assignments(tasks, people, rng)
            refresh_gap_facts(task.pk for task in tasks)
            reindex_tasks(task.pk for task in tasks)
        # A bulk load leaves the planner with the old table sizes until autovacuum comes round
        # (and some machines run without it): lookups would be planned for an empty map.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(f"Generated {len(tasks)} tasks, {len(people)} people ({run}).")
        )

    def _teams(self, run: str, count: int) -> list[Team]:
        """Departments per region, about ten people each."""
        teams = [
            Team(name=f"{name} {region} ({run})", slug=slugify(f"{name} {region} {run}"))
            for region in REGIONS
            for name in TEAM_NAMES
        ][:count]
        return bulk_create_with_history(teams, Team, default_change_reason="generated")

    def _people(self, run: str, count: int, teams: list[Team], rng) -> list[Person]:
        people = []
        for n in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            team = teams[n % len(teams)]
            people.append(
                Person(
                    name=f"{first} {last}",
                    email=f"{first}.{last}.{n}.{run}@example.com".lower(),
                    team=team,
                    title=rng.choice(["Coordinator", "Specialist", "Manager", "Lead", "Analyst"]),
                    chat_handle=f"@{first.lower()}{n}",
                )
            )
        return bulk_create_with_history(
            people, Person, batch_size=1000, default_change_reason="generated"
        )

    def _tasks(self, run: str, count: int, rng) -> list[Task]:
        stages = {stage.slug: stage for stage in Stage.objects.all()}
        today = timezone.localdate()
        variants = [(brand, region) for brand in BRANDS for region in REGIONS]
        rng.shuffle(variants)
        tasks = []
        metrics = {spec["metric"]: metric_named(spec["metric"]) for spec in demo_data.TASKS}
        # Names are unique whatever their case: a second run goes on numbering where the last
        # one stopped (the demo store's names have no dash).
        first = Task.objects.filter(name__contains=" — ").count()
        for n in range(first, first + count):
            spec = demo_data.TASKS[n % len(demo_data.TASKS)]
            brand, region = variants[(n // len(demo_data.TASKS)) % len(variants)]
            cycle = n // (len(demo_data.TASKS) * len(variants))
            suffix = f"{brand} {region}" + (f" #{cycle + 1}" if cycle else "")
            name = f"{spec['name']} — {suffix}"
            tasks.append(
                Task(
                    name=name,
                    slug=slugify(f"{name} {run}")[:200],
                    description=(
                        f"{spec['description']} For {brand} in {region}.".strip()
                        if spec["description"]
                        else f"For {brand} in {region}."
                    ),
                    stage=stages[spec["stage"]],
                    criticality=spec["criticality"],
                    rhythm=spec["rhythm"],
                    rhythm_set_on=today if spec["rhythm"] else None,
                    definition_of_done=spec["definition_of_done"],
                    aliases="\n".join(spec["aliases"]),
                    systems="\n".join(spec["systems"]),
                    metric=metrics[spec["metric"]],
                )
            )
        fill_next_due(tasks)
        for task in tasks:  # set now, or the reindex would update every row for it
            task.search_names = search_names_of(task)
        return bulk_create_with_history(
            tasks, Task, batch_size=1000, default_change_reason="generated"
        )

    def _assignments(self, tasks: list[Task], people: list[Person], rng) -> None:
        assignments = []
        for task in tasks:
            cast = rng.sample(people, CAST)
            if rng.random() < 0.9:
                assignments.append(Assignment(task=task, person=cast[0], role=Role.OWNER))
            if rng.random() < 0.6:
                assignments.append(Assignment(task=task, person=cast[1], role=Role.BACKUP))
            for person in cast[2 : 2 + rng.randint(0, 3)]:
                assignments.append(Assignment(task=task, person=person, role=Role.CONTRIBUTOR))
        bulk_create_with_history(
            assignments, Assignment, batch_size=2000, default_change_reason="generated"
        )
