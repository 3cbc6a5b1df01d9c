"""Learning from what people pick, and the questions nobody got an answer to."""

import pytest

from ownership.lookup import learning, lookup
from ownership.models import AskedQuestion, PhraseStatus, Pick, TaskPhrase
from tests.factories import TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(query):
    return [answer.task.name for answer in lookup(query).answers]


@pytest.fixture
def tasks():
    return TaskFactory(name="Refund processing"), TaskFactory(name="Carrier performance review")


def test_words_three_people_picked_find_the_task_like_an_alias(tasks):
    refunds, _ = tasks
    assert names("reimbursement slip") == ["Refund processing"]  # a synonym only
    assert names("blue slip") == []
    for n in range(2):
        learning.record_pick(
            task=refunds, query="the blue slip", user=UserFactory(username=f"p{n}")
        )
    assert names("blue slip") == []  # two people are not enough
    phrase = learning.record_pick(task=refunds, query="blue slip", user=UserFactory(username="p3"))
    assert (phrase.words, phrase.pickers, phrase.status) == ("blue slip", 3, PhraseStatus.LEARNED)
    (answer,) = lookup("blue slip").answers
    assert answer.task.name == "Refund processing"
    assert {m.field for m in answer.matched} == {"people also call this"}


def test_one_person_picking_again_and_again_counts_once(tasks):
    refunds, _ = tasks
    user = UserFactory(username="keen")
    for _ in range(5):
        learning.record_pick(task=refunds, query="blue slip", user=user)
    assert TaskPhrase.objects.get().pickers == 1
    assert Pick.objects.count() == 1


def test_no_user_id_is_kept(tasks):
    refunds, _ = tasks
    user = UserFactory(username="private")
    learning.record_pick(task=refunds, query="blue slip", user=user, asked_here=True)
    pick = Pick.objects.get()
    assert str(user.pk) != pick.picker
    assert len(pick.picker) == 64
    assert [f.name for f in AskedQuestion._meta.get_fields()] == [
        "id",
        "words",
        "asked",
        "found",
        "opened",
        "first_asked_on",
        "last_asked_on",
        "closed_at",
    ]


def test_an_ops_lead_promotes_or_removes_learned_words(client, ops_lead, tasks):
    refunds, _ = tasks
    for n in range(3):
        learning.record_pick(task=refunds, query="blue slip", user=UserFactory(username=f"a{n}"))
        learning.record_pick(task=refunds, query="pink form", user=UserFactory(username=f"b{n}"))
    client.force_login(ops_lead)
    page = client.get(f"/tasks/{refunds.slug}/").content.decode()
    assert "People also call this" in page
    blue, pink = TaskPhrase.objects.order_by("words")
    assert client.post(f"/phrases/{blue.pk}/promote").status_code == 302
    assert client.post(f"/phrases/{pink.pk}/remove").status_code == 302
    refunds.refresh_from_db()
    assert refunds.alias_list == ["blue slip"]
    assert names("pink form") == []
    assert names("blue slip") == ["Refund processing"]


def test_members_cannot_promote_or_remove(client, member, tasks):
    refunds, _ = tasks
    phrase = TaskPhrase.objects.create(task=refunds, words="blue slip", pickers=3)
    client.force_login(member)
    assert client.post(f"/phrases/{phrase.pk}/promote").status_code == 403
    assert client.post(f"/phrases/{phrase.pk}/remove").status_code == 403
    phrase.refresh_from_db()
    assert phrase.status == PhraseStatus.LEARNING


def test_opening_an_answer_from_the_search_box_teaches_the_lookup(member_client, tasks):
    refunds, _ = tasks
    response = member_client.get(f"/t/{refunds.slug}", {"q": "blue slip", "live": "1"})
    assert response.status_code == 302
    question = AskedQuestion.objects.get()
    assert (question.words, question.asked, question.found, question.opened) == (
        "blue slip",
        1,
        1,
        1,
    )
    assert TaskPhrase.objects.get().words == "blue slip"


def test_questions_that_found_nothing_reach_the_dashboard_card(client, member, ops_lead, tasks):
    client.force_login(member)
    client.get("/search/", {"q": "zebra crossing"})
    client.get("/search/", {"q": "Zebra crossing!"})
    client.get("/search/", {"q": "refund"})  # found, never opened
    client.force_login(ops_lead)
    response = client.get("/")
    card = [q.words for q in response.context["questions"]]
    assert card == ["zebra crossing", "refund"]
    assert "nothing found" in response.content.decode()

    zebra = AskedQuestion.objects.get(words="zebra crossing")
    answered = client.post(f"/questions/{zebra.pk}/answer", {"task": "carrier performance review"})
    assert answered.status_code == 302
    zebra.refresh_from_db()
    assert zebra.closed_at is not None
    assert names("zebra crossing") == ["Carrier performance review"]
    assert [q.words for q in client.get("/").context["questions"]] == ["refund"]


def test_answering_with_an_unknown_task_changes_nothing(client, ops_lead, tasks):
    question = AskedQuestion.objects.create(
        words="zebra", asked=2, first_asked_on="2026-12-01", last_asked_on="2026-12-01"
    )
    client.force_login(ops_lead)
    response = client.post(
        f"/questions/{question.pk}/answer", {"task": "No such task"}, follow=True
    )
    assert "No task on the map is called “No such task”." in response.content.decode()
    question.refresh_from_db()
    assert question.closed_at is None


@pytest.mark.parametrize("count", [1, 5])
def test_the_card_takes_the_same_queries_whatever_the_number_of_questions(
    client, ops_lead, tasks, count, django_assert_num_queries
):
    for n in range(count):
        AskedQuestion.objects.create(
            words=f"q{n}", asked=1, first_asked_on="2026-12-01", last_asked_on="2026-12-01"
        )
    client.force_login(ops_lead)
    # session, user with permissions, person (header); stages, teams, metrics; gap report; rows;
    # open questions; the task names offered; the handovers pending (none); and who answers
    # for the unowned tasks shown: their people, their stages, the map's version and the
    # stages' team leads (cached on it), the ops leads' default
    with django_assert_num_queries(16):
        response = client.get("/")
    assert len(response.context["questions"]) == count
