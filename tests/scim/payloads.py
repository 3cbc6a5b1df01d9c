"""Requests in the shapes Entra ID and Okta send, after their documented examples: Microsoft's
"Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID" (user
operations) and Okta's "SCIM 2.0 protocol reference" (create, update, deactivate). The ids are
theirs; the addresses are ours where a test needs one it can check."""

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def entra_create(*, user_name: str, email: str, department: str | None = None) -> dict:
    payload = {
        "schemas": [CORE, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Nadia Newcomer", "familyName": "Newcomer", "givenName": "Nadia"},
        "roles": [],
    }
    if department is not None:
        payload[ENTERPRISE] = {"department": department}
    return payload


def entra_patch(*operations: dict) -> dict:
    # Entra ID capitalises its operations ("Replace"), and lists Operations first.
    return {"Operations": list(operations), "schemas": [PATCH_OP]}


ENTRA_DISABLE = entra_patch({"op": "Replace", "path": "active", "value": False})
# Entra ID's older provisioning sent booleans as strings.
ENTRA_DISABLE_AS_STRING = entra_patch({"op": "Replace", "path": "active", "value": "False"})


def okta_create(*, user_name: str = "test.user@okta.local", email: str | None = None) -> dict:
    email = email or user_name
    return {
        "schemas": [CORE],
        "userName": user_name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def okta_replace(pk: str, *, user_name: str, display_name: str, title: str | None = None) -> dict:
    payload = {
        "schemas": [CORE],
        "id": pk,
        "userName": user_name,
        "name": {"givenName": "Another", "middleName": "", "familyName": "User"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": display_name,
        "locale": "en-US",
        "externalId": "00u1dhhb1fkIGP7RL1d8",
        "groups": [],
        "active": True,
        "meta": {"resourceType": "User"},
    }
    if title is not None:
        payload["title"] = title
    return payload


# Okta deactivates with a PATCH that has no path: the value names the attribute.
OKTA_DEACTIVATE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "replace", "value": {"active": False}}],
}
OKTA_REACTIVATE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "replace", "value": {"active": True}}],
}
