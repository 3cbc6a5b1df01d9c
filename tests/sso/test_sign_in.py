"""Single sign-on against a real OpenID provider running locally."""

import time
import urllib.parse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse

from ownership.identity.accounts import FIRST_SIGN_IN
from ownership.identity.sso import SignInBackend
from ownership.models import Person
from tests.factories import PersonFactory
from tests.sso.conftest import CALLBACK, CLIENT_ID, SIGNING_KID, through_provider, use_provider

pytestmark = pytest.mark.django_db
SIGN_IN = reverse("ownership:sso_sign_in")


def sign_in(client, account: str):
    started = client.get(SIGN_IN)
    assert started.status_code == 302, started.content[:300]
    back = through_provider(started["Location"], account)
    assert back.startswith(CALLBACK), back
    path = urllib.parse.urlsplit(back)
    return client.get(f"{path.path}?{path.query}")


def test_a_new_employee_signs_in_as_a_member_with_a_person(client, sso_on):
    response = sign_in(client, "nina")
    assert response.status_code == 302
    assert response["Location"] == reverse("ownership:dashboard")
    user = User.objects.get(email="nina@shop.test")
    assert [group.name for group in user.groups.all()] == ["Members"]
    assert not user.has_usable_password()
    person = Person.objects.get(email="nina@shop.test")
    assert (person.name, person.user) == ("Nina New", user)
    assert person.history.first().history_change_reason == FIRST_SIGN_IN
    assert client.get(reverse("ownership:dashboard")).status_code == 200


def test_a_first_sign_in_links_the_person_already_on_the_map(client, sso_on):
    nina = PersonFactory(name="Nina Norberg", email="Nina@Shop.test")
    sign_in(client, "nina")
    nina.refresh_from_db()
    assert nina.user is not None
    assert nina.user.email == "nina@shop.test"
    assert nina.name == "Nina Norberg"


def test_the_group_claim_maps_to_ops_leads(client, sso_on, settings):
    settings.OWNERMAP_SSO_OPS_LEAD_GROUPS = ["ops-team"]
    sign_in(client, "olga")
    user = User.objects.get(email="olga@shop.test")
    assert [group.name for group in user.groups.all()] == ["Ops leads"]


def test_an_address_outside_the_allowed_domains_is_refused(client, sso_on, settings):
    settings.OWNERMAP_SSO_EMAIL_DOMAINS = ["shop.test"]
    response = sign_in(client, "eve")
    assert response.status_code == 403
    assert "eve@elsewhere.test is not an address of shop.test" in response.content.decode()
    assert not User.objects.filter(email="eve@elsewhere.test").exists()


def test_an_unverified_email_is_refused(client, sso_on):
    response = sign_in(client, "unverified")
    assert response.status_code == 403
    assert "no verified email address" in response.content.decode()


def test_a_forged_state_is_refused_with_a_clear_page(client, sso_on):
    started = client.get(SIGN_IN)
    back = through_provider(started["Location"], "nina")
    forged = back.replace("state=", "state=forged")
    path = urllib.parse.urlsplit(forged)
    response = client.get(f"{path.path}?{path.query}")
    assert response.status_code == 400
    assert "its state does not match" in response.content.decode()
    assert not User.objects.filter(email="nina@shop.test").exists()


def test_a_replayed_callback_is_refused(client, sso_on):
    started = client.get(SIGN_IN)
    back = urllib.parse.urlsplit(through_provider(started["Location"], "nina"))
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.logout()
    again = client.get(f"{back.path}?{back.query}")
    assert again.status_code in (400, 403)


def test_the_provider_down_says_so_and_passwords_still_work(client, settings, admin_user):
    use_provider(settings, "http://127.0.0.1:9")  # nothing listens there
    settings.OWNERMAP_SSO_PASSWORD_SIGN_IN = False
    response = client.get(SIGN_IN)
    assert response.status_code == 503
    assert "the sign-in provider is unreachable" in response.content.decode()
    assert "Connection refused" not in response.content.decode()
    signed = client.post(reverse("login"), {"username": "admin", "password": "password"})
    assert signed.status_code == 302
    # Signed in, page after page, while the provider is still down.
    assert client.get(reverse("ownership:dashboard")).status_code == 200


def test_someone_signed_in_through_the_provider_stays_in_while_it_is_down(client, sso_on, settings):
    sign_in(client, "nina")
    use_provider(settings, "http://127.0.0.1:9")
    cache.clear()  # the discovery document kept from the sign-in
    assert client.get(reverse("ownership:dashboard")).status_code == 200


def test_with_sso_on_the_sign_in_page_offers_the_provider(client, sso_on):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Shop Accounts" in page
    assert "Or with a username and password" in page


def test_password_sign_in_switched_off_is_for_superusers_only(client, sso_on, settings, member):
    settings.OWNERMAP_SSO_PASSWORD_SIGN_IN = False
    member.set_password("a-long-member-password")
    member.save()
    response = client.post(
        reverse("login"), {"username": member.username, "password": "a-long-member-password"}
    )
    assert response.status_code == 200
    assert "Administrators: sign in with a password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_without_sso_settings_the_sso_pages_are_not_there(client):
    assert client.get(SIGN_IN).status_code == 404
    assert "Sign in with" not in client.get(reverse("login")).content.decode()


def _token(signing_key, provider: str, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": provider,
        "aud": CLIENT_ID,
        "sub": "nina",
        "iat": now,
        "exp": now + 300,
        "nonce": "n0nce",
        **claims,
    }
    return jwt.encode(payload, signing_key, algorithm="RS256", headers={"kid": SIGNING_KID})


def test_the_providers_own_signature_and_claims_are_accepted(sso_on, signing_key):
    payload = SignInBackend().verify_token(_token(signing_key, sso_on), nonce="n0nce")
    assert payload["sub"] == "nina"


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "another-app"}, "Audience doesn't match"),
        ({"iss": "https://impostor.test"}, "Invalid issuer"),
        ({"exp": int(time.time()) - 60}, "Signature has expired"),
    ],
    ids=["wrong audience", "wrong issuer", "expired"],
)
def test_an_id_token_not_for_us_is_refused(sso_on, signing_key, claims, why):
    with pytest.raises(SuspiciousOperation, match=why):
        SignInBackend().verify_token(_token(signing_key, sso_on, **claims), nonce="n0nce")


def test_an_id_token_signed_with_another_key_is_refused(sso_on):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(SuspiciousOperation):
        SignInBackend().verify_token(_token(stranger, sso_on), nonce="n0nce")


def test_a_nonce_from_another_sign_in_is_refused(sso_on, signing_key):
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        SignInBackend().verify_token(_token(signing_key, sso_on), nonce="another")


def test_a_user_disabled_at_the_provider_gets_nowhere_and_nothing_changes(client, sso_on):
    dora = PersonFactory(name="Dora Gone", email="dora@shop.test")
    started = client.get(SIGN_IN)
    stopped_at = through_provider(started["Location"], "dora")
    assert not stopped_at.startswith(CALLBACK)
    dora.refresh_from_db()
    assert (dora.user, dora.departed_on) == (None, None)
    assert not User.objects.filter(email="dora@shop.test").exists()


def test_a_deactivated_account_is_refused_with_the_reason(client, sso_on):
    sign_in(client, "nina")
    client.logout()
    nina = User.objects.get(email="nina@shop.test")
    nina.is_active = False  # as the admin deactivates it
    nina.save()
    response = sign_in(client, "nina")
    assert response.status_code == 403
    assert "your Ownermap account is deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session
