"""A support agent who has never seen the map finds who owns something from their own words."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def ask(page, words: str):
    """Press "/" from wherever the page is and type, as a person would; the first answer."""
    page.keyboard.press("/")
    page.locator("#lookup").press_sequentially(words, delay=15)
    return page.locator("#lookup-results .result-card").first


def test_slash_then_a_support_agents_words_show_the_owner(demo_store, live_server, sign_in):
    page = sign_in("member", "ownermap-demo")
    page.keyboard.press("/")
    box = page.locator("#lookup")
    expect(box).to_be_focused()
    # Not the task's name ("Refund processing"): what the customer told the agent.
    box.press_sequentially("customer says refund still not received", delay=15)
    first = page.locator("#lookup-results .result-card").first
    expect(first).to_contain_text("Refund processing")
    expect(first.locator(".acting")).to_contain_text("Irene Costa")
    expect(first.locator(".acting")).to_contain_text("@irene")
    # No page load happened: still on the dashboard, the results swapped in place.
    expect(page).to_have_url(re.compile(r"/$"))

    page.keyboard.press("ArrowDown")
    expect(page.locator("#lookup-results .result-link").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tasks/refund-processing/$"))


def test_an_away_owner_shows_the_backup_acting_and_why(demo_store, live_server, sign_in):
    first = ask(sign_in("member", "ownermap-demo"), "will it arrive by christmas")
    expect(first).to_contain_text("Holiday shipping cutoff sign-off")
    expect(first.locator(".acting")).to_contain_text("Chris Osei")
    expect(first.locator(".reason")).to_contain_text("Nina Alvarez is away until")


def test_a_task_nobody_owns_says_so_with_who_to_ask(demo_store, live_server, sign_in):
    first = ask(sign_in("member", "ownermap-demo"), "discount code doesn't work")
    expect(first).to_contain_text("Promo code setup and QA")
    expect(first.locator(".loud")).to_have_text("Nobody owns this.")
    expect(first.locator(".ask-instead")).to_contain_text("answers for it until someone does")


def test_without_javascript_the_search_box_submits_to_a_results_page(
    demo_store, live_server, browser
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill("ownermap-demo")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#lookup").fill("parcel damaged")
    page.locator("#lookup").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=parcel\+damaged$"))
    expect(page.locator(".result-card").first).to_contain_text("Packaging and presentation")
    context.close()


def test_escape_or_a_click_elsewhere_closes_the_results(demo_store, live_server, sign_in):
    page = sign_in("member", "ownermap-demo")
    expect(ask(page, "refund not received")).to_contain_text("Refund processing")
    page.keyboard.press("Escape")
    expect(page.locator("#lookup-results .result-card")).to_have_count(0)
    expect(page.locator("#lookup")).to_be_focused()
    # Typing again asks again; from a result, Escape also closes and returns to the box.
    page.locator("#lookup").press_sequentially(" refund", delay=15)
    expect(page.locator("#lookup-results .result-card").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(page.locator("#lookup-results .result-card")).to_have_count(0)
    expect(page.locator("#lookup")).to_be_focused()
    page.locator("#lookup").press_sequentially("s", delay=15)
    expect(page.locator("#lookup-results .result-card").first).to_be_visible()
    page.locator("h1, h2").first.click()
    expect(page.locator("#lookup-results .result-card")).to_have_count(0)
