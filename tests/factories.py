"""Factories for the models; reference data (stages, groups) comes from the data migrations."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from ownership.models import Assignment, Person, Role, Team
from reviews.models import ReviewItem, ReviewKind, ReviewSession
from tasks_registry.models import Campaign, CampaignKind, Completion, Stage, Task


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.LazyAttribute(lambda team: slugify(team.name))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    team = factory.SubFactory(TeamFactory)
    title = "Coordinator"


def first_stage() -> Stage:
    return Stage.objects.order_by("order").first()


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    name = factory.Sequence(lambda n: f"Recurring task {n}")
    slug = factory.LazyAttribute(lambda task: slugify(task.name))
    stage = factory.LazyFunction(first_stage)
    rhythm = "weekly on monday"
    definition_of_done = "Checked against the sheet\nSigned off in #ops"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    task = factory.SubFactory(TaskFactory)
    person = factory.SubFactory(PersonFactory)
    role = Role.CONTRIBUTOR


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.LazyAttribute(lambda campaign: slugify(campaign.name))
    kind = CampaignKind.SALE
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda c: c.starts_at + datetime.timedelta(days=3))


class CompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Completion

    task = factory.SubFactory(TaskFactory)
    due_on = factory.LazyFunction(timezone.localdate)
    completed_at = factory.LazyFunction(timezone.now)
    completed_by = factory.SubFactory(UserFactory)


class ReviewSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewSession

    kind = ReviewKind.QUARTERLY
    period = "2026-Q4"
    scheduled_for = datetime.date(2026, 10, 6)


class ReviewItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewItem

    session = factory.SubFactory(ReviewSessionFactory)
    task = factory.SubFactory(TaskFactory)


def due_1_dec(name: str) -> Task:
    """A critical task due on the 1st of each month, first on Tuesday 1 Dec 2026, its next due
    date kept: overdue from 2 Dec, for the escalation tests' clock."""
    from tasks_registry import due

    task = TaskFactory(
        name=name,
        criticality="critical",
        rhythm="monthly on the 1st",
        rhythm_set_on=datetime.date(2026, 11, 15),
    )
    due.refresh_next_due([task])
    task.refresh_from_db()
    return task
