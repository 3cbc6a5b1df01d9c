"""A real OpenID Connect provider for the tests (tests/sso/provider.mjs, node-oidc-provider
from the npm registry, pinned by tests/browser/package-lock.json), started on a loopback port
for the session, and the app set up to sign in through it."""

import contextlib
import json
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import require_service

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parent / "browser" / "node_modules" / "oidc-provider"
CLIENT_ID, CLIENT_SECRET = "ownermap", "client-secret-for-tests-only"
CALLBACK = "http://testserver/accounts/sso/callback/"
ACCOUNTS = {
    "nina": {
        "email": "nina@shop.test",
        "email_verified": True,
        "name": "Nina New",
        "groups": ["staff"],
    },
    "olga": {
        "email": "olga@shop.test",
        "email_verified": True,
        "name": "Olga Ops",
        "groups": ["ops-team", "staff"],
    },
    "eve": {
        "email": "eve@elsewhere.test",
        "email_verified": True,
        "name": "Eve Outside",
        "groups": [],
    },
    "unverified": {"email": "un@shop.test", "email_verified": False, "name": "Un Verified"},
}
DISABLED = {"dora": {"email": "dora@shop.test", "email_verified": True, "name": "Dora Gone"}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SIGNING_KID = "tests-signing-key"


def _private_jwk(key: rsa.RSAPrivateKey) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    return {**jwk, "kid": SIGNING_KID, "alg": "RS256", "use": "sig"}


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    """The key the provider signs ID tokens with: the tests sign with it too."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@contextlib.contextmanager
def running_provider(signing_key: rsa.RSAPrivateKey, redirect_uris: list[str]):
    """The provider on a free loopback port, its issuer URL yielded; stopped afterwards."""
    node = shutil.which("node")
    require_service(
        bool(node) and NODE_MODULES.exists(), "node and oidc-provider (make test installs it)"
    )
    port = _free_port()
    accounts = {name: {"claims": claims} for name, claims in ACCOUNTS.items()}
    accounts |= {name: {"claims": claims, "disabled": True} for name, claims in DISABLED.items()}
    config = {
        "client": {"id": CLIENT_ID, "secret": CLIENT_SECRET, "redirect_uris": redirect_uris},
        "accounts": accounts,
        "signing_key": _private_jwk(signing_key),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(config, file)
    # What it says on stderr goes to a file: a pipe nobody reads could fill and stall it.
    with tempfile.TemporaryFile("w+") as said:
        process = subprocess.Popen(  # noqa: S603 - node from PATH, our own script
            [node, str(HERE / "provider.mjs"), str(port), file.name],
            stdout=subprocess.PIPE,
            stderr=said,
            text=True,
        )
        try:
            line = process.stdout.readline() if process.stdout else ""
            if not line.startswith("ready"):
                said.seek(0)
                pytest.fail(f"the OpenID provider did not start: {said.read()[-2000:]}")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)
            Path(file.name).unlink()


@pytest.fixture(scope="session")
def provider(signing_key):
    """The provider's issuer URL, for the whole session; it sends people back to the test
    client's callback."""
    with running_provider(signing_key, [CALLBACK]) as issuer:
        yield issuer


def use_provider(settings, issuer: str) -> None:
    """The app set up to sign in through the provider at `issuer`."""
    settings.SSO_ON = True
    settings.OWNERMAP_SSO_ISSUER = issuer
    settings.OWNERMAP_SSO_NAME = "Shop Accounts"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "ownership.identity.sso.SignInBackend",
    ]


@pytest.fixture
def sso_on(settings, provider):
    use_provider(settings, provider)
    return provider


def through_provider(authorize_url: str, account: str) -> str:
    """What a person does at the provider: open the authorization URL and fill in each form it
    shows (the login form as `account`, then any consent); the URL it sends them back to, not
    followed: the test client takes it from there. Where the provider stops them (a disabled
    account), the URL of the page it stopped at."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.is_redirect:
            location = urllib.parse.urljoin(response.url, response.headers["Location"])
            if location.startswith(CALLBACK):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', response.text)
        if form is None:
            return response.url
        fields = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text)
        )
        if 'name="login"' in response.text:
            fields |= {"login": account, "password": "any"}
        response = browser.post(form.group(1), data=fields, allow_redirects=False, timeout=10)
    return response.url
