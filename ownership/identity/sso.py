"""Single sign-on with OpenID Connect: the authorization code flow with PKCE, state and nonce,
through mozilla-django-oidc. The provider's endpoints come from its discovery document (only
the issuer is configured), read when someone signs in and kept an hour.

The library checks the ID token's signature (against the provider's JWKS) and its expiry; this
module also checks that the token was issued by the configured issuer for this client (its
"aud"), which the library leaves out."""

import logging
from collections.abc import Mapping
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q, QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from ownership.identity import accounts

DISCOVERY_SECONDS = 3600
UNREACHABLE = "the sign-in provider is unreachable: try again in a while"
LOGGER = logging.getLogger(__name__)
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class ProviderUnreachable(Exception):
    """The identity provider did not answer, or not as an OpenID provider."""


def is_on() -> bool:
    return settings.SSO_ON


def discovery() -> dict[str, Any]:
    """The provider's discovery document (/.well-known/openid-configuration)."""
    issuer = settings.OWNERMAP_SSO_ISSUER
    key = f"sso-discovery:{issuer}"
    found = cache.get(key)
    if found is None:
        try:
            response = requests.get(
                f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
            )
            response.raise_for_status()
            found = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnreachable(str(error)) from error
        if not isinstance(found, dict) or str(found.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderUnreachable(f"{issuer} did not describe itself as that issuer")
        cache.set(key, found, DISCOVERY_SECONDS)
    return found


def setting(name: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings, the provider's endpoints from its discovery document."""
    if name in _ENDPOINTS:
        try:
            return discovery()[_ENDPOINTS[name]]
        except KeyError:
            raise ProviderUnreachable(f"its discovery document has no {_ENDPOINTS[name]}") from None
    return import_from_settings(name, *default)


def _endpoint(name: str) -> property:
    """One of the provider's endpoints, read when it is used."""

    def read(backend: "SignInBackend") -> Any:
        return setting(name)

    return property(read)


class SignInBackend(OIDCAuthenticationBackend):
    """Signs in whoever the provider vouches for, with a verified email of an allowed domain;
    makes their account on their first sign-in (accounts.first_sign_in)."""

    get_settings = staticmethod(setting)
    OIDC_OP_TOKEN_ENDPOINT = _endpoint("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _endpoint("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _endpoint("OIDC_OP_JWKS_ENDPOINT")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The library's reads the provider's endpoints here. Django builds every backend for
        every password sign-in and every signed-in request (get_user), so with the provider
        down each of those failed: the endpoints are read when a code is exchanged instead."""
        self.OIDC_RP_CLIENT_ID = setting("OIDC_RP_CLIENT_ID")
        self.OIDC_RP_CLIENT_SECRET = setting("OIDC_RP_CLIENT_SECRET")
        self.OIDC_RP_SIGN_ALGO = setting("OIDC_RP_SIGN_ALGO", "HS256")
        self.OIDC_RP_IDP_SIGN_KEY = setting("OIDC_RP_IDP_SIGN_KEY", None)
        self.UserModel = User

    def authenticate(self, request: Any, **kwargs: Any) -> User | None:
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, ProviderUnreachable) as error:
            LOGGER.warning("the sign-in provider is unreachable: %s", error)
            if request is not None:
                request.sso_failure = UNREACHABLE
            return None
        except SuspiciousOperation as error:
            if request is not None:
                request.sso_failure = str(error)
            return None

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User | None:
        """As the library does; why it refused is kept for the page that says so (the library
        logs it and returns None)."""
        try:
            return super().get_or_create_user(access_token, id_token, payload)
        except SuspiciousOperation as error:
            self.request.sso_failure = str(error)
            raise

    def get_payload_data(self, token: bytes | str, key: Any) -> dict[str, Any]:
        """The ID token's claims, once its signature, expiry, issuer and audience hold."""
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OWNERMAP_SSO_ISSUER,
                options={"require": ["exp", "iat", "aud", "iss"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"the provider's ID token was refused: {error}") from None

    def verify_claims(self, claims: Mapping[str, Any]) -> bool:
        email = str(claims.get("email") or "").strip().lower()
        if not email or claims.get("email_verified") is False:
            raise SuspiciousOperation("the provider gave no verified email address")
        domains = settings.OWNERMAP_SSO_EMAIL_DOMAINS
        if domains and email.rsplit("@", 1)[-1] not in domains:
            raise SuspiciousOperation(f"{email} is not an address of {', '.join(domains)}")
        if accounts.role_from_claims(claims) is None:
            raise SuspiciousOperation(f"{email} is in none of the groups allowed to sign in")
        return True

    def filter_users_by_claims(self, claims: Mapping[str, Any]) -> QuerySet[User]:
        """Their account: the one linked to their person on the map, or with their email."""
        email = str(claims.get("email") or "").strip()
        return User.objects.filter(
            Q(person__email__iexact=email) | Q(email__iexact=email)
        ).distinct()

    def create_user(self, claims: Mapping[str, Any]) -> User:
        role = accounts.role_from_claims(claims)
        if role is None:  # verify_claims refuses this first
            raise SuspiciousOperation("no role for these groups")
        return accounts.first_sign_in(claims, role)

    def update_user(self, user: User, claims: Mapping[str, Any]) -> User:
        """Their role follows the provider's groups, where those are mapped. A deactivated
        account stays out (the library refuses it after this), and the page says why."""
        if not user.is_active:
            self.request.sso_failure = "your Ownermap account is deactivated: ask an admin"
            return user
        role = accounts.role_from_claims(claims)
        if accounts.is_group_mapping_on() and role is not None:
            accounts.set_role(user, role)
        return user

    def get_user(self, user_id: int) -> User | None:
        """A deactivated account is signed out on its next request, as with a password."""
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
