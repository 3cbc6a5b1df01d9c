import json
from dataclasses import dataclass

import pytest
from django.test import Client

from ownership.tokens import issue_scim_token

BASE = "/scim/v2"


@dataclass
class Provider:
    """An identity provider calling /scim/v2/ with its token, as Entra ID and Okta do."""

    client: Client
    token: str

    def _send(self, method: str, path: str, payload=None, *, raw: bytes | None = None, **extra):
        body = raw if raw is not None else (json.dumps(payload) if payload is not None else "")
        return getattr(self.client, method)(
            BASE + path,
            body,
            content_type="application/scim+json",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
            **extra,
        )

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def post(self, path: str, payload=None, **kwargs):
        return self._send("post", path, payload, **kwargs)

    def put(self, path: str, payload=None, **kwargs):
        return self._send("put", path, payload, **kwargs)

    def patch(self, path: str, payload=None, **kwargs):
        return self._send("patch", path, payload, **kwargs)

    def delete(self, path: str):
        return self._send("delete", path)


@pytest.fixture
def provider(db):
    _, token = issue_scim_token(name="Entra ID")
    return Provider(client=Client(), token=token)
