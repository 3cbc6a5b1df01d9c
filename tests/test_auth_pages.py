import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_signing_in_lands_on_the_page_asked_for(client, member):
    response = client.post(
        reverse("login"),
        {"username": "member", "password": "correct horse battery staple", "next": "/tasks/"},
    )
    assert (response.status_code, response.url) == (302, "/tasks/")


def test_a_wrong_password_is_told_on_the_sign_in_page(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_takes_a_post_and_ends_the_session(member_client):
    response = member_client.post(reverse("logout"))
    assert (response.status_code, response.url) == (302, reverse("login"))
    assert "_auth_user_id" not in member_client.session


def test_the_home_page_is_the_dashboard(member_client):
    response = member_client.get("/")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "ownership:dashboard"


def test_pages_carry_a_strict_content_security_policy(member_client):
    response = member_client.get(reverse("ownership:task_list"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-eval" not in policy
    assert "unsafe-inline" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
