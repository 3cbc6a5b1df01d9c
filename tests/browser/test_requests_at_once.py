"""Requests that overlap, as a type-ahead's do while a fix saves, each get their own answer."""

import pytest

from ownership.models import Assignment, Role

# On PostgreSQL each request has its own connection, as on any real server: it is checked there
# too.
pytestmark = [pytest.mark.browser, pytest.mark.every_database]

# The fix posted, and type-ahead questions asked around it, all at once.
AT_ONCE = """
async ([slug, asked]) => {
  const form = document.querySelector(`form[action$="/${slug}/owner"]`);
  form.querySelector("input[list]").value = "Priya Nair <priya.nair@fernhill.example>";
  const ask = (i) => fetch("/people/suggest?person=" + "Priya".slice(0, 1 + (i % 5)),
                           {headers: {"HX-Request": "true"}}).then(r => r.status);
  const before = Array.from({length: asked}, (_, i) => ask(i));
  const fix = fetch(form.action, {method: "POST", body: new FormData(form),
                                  headers: {"HX-Request": "true"}})
    .then(async r => [r.status, (await r.text()).includes("now owns")]);
  const after = Array.from({length: asked}, (_, i) => ask(i));
  return [await fix, await Promise.all([...before, ...after])];
}
"""


def test_a_fix_saved_while_the_type_ahead_asks_is_answered_and_so_is_each_question(
    demo_store, sign_in
):
    page = sign_in("opslead", "ownermap-demo")
    fix, questions = page.evaluate(AT_ONCE, ["promo-code-setup-and-qa", 20])
    assert fix == [200, True]
    assert questions == [200] * 40
    owner = Assignment.objects.get(task__slug="promo-code-setup-and-qa", role=Role.OWNER)
    assert owner.person.name == "Priya Nair"
