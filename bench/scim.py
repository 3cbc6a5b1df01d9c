"""SCIM provisioning, timed: what Entra ID and Okta send in a sync, through the whole Django
stack (middleware, token, scim2-models, the write functions, history) on PostgreSQL, the bench
database of bench/lookup.py (10,000 tasks). Entra ID gives a request about a minute and
retries; the target here is a p99 under 100 ms for each kind.

    .venv/bin/python bench/scim.py              # BENCH_DATABASE_URL as bench/lookup.py
    .venv/bin/python bench/scim.py --users 200

Everything it writes is rolled back at the end: the bench database stays as it was. Each
request then runs in a savepoint rather than its own transaction, which the timings include.
"""

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.common import percentile  # noqa: E402
from bench.lookup import ensure_data, ensure_database  # noqa: E402 - sets the bench database


class _RolledBack(Exception):
    pass


def _create(number: int) -> dict:
    return {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "externalId": f"bench-{number}",
        "userName": f"bench.scim.{number}@northwind.example",
        "active": True,
        "emails": [
            {"primary": True, "type": "work", "value": f"bench.scim.{number}@northwind.example"}
        ],
        "name": {"formatted": f"Bench Person {number}", "givenName": "Bench"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Bench"},
    }


_DISABLE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "Replace", "path": "active", "value": False}],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    arguments = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    ensure_data()
    from django.db import connection, transaction
    from django.test import Client

    from ownership.models import Person
    from ownership.tokens import issue_scim_token

    client = Client()
    timings: dict[str, list[float]] = {}

    def timed(kind: str, send: Callable[[], object]) -> object:
        started = time.perf_counter()
        response = send()
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        return response

    people = Person.objects.count()
    try:
        with transaction.atomic():
            _, token = issue_scim_token(name="bench")
            auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            scim = "application/scim+json"
            ids = []
            for number in range(arguments.users):
                query = {"filter": f'userName eq "bench.scim.{number}@northwind.example"'}
                timed(
                    "GET filter userName eq",
                    lambda q=query: client.get("/scim/v2/Users", q, **auth),
                )
                body = json.dumps(_create(number))
                response = timed(
                    "POST (a new person and login)",
                    lambda b=body: client.post("/scim/v2/Users", b, content_type=scim, **auth),
                )
                assert response.status_code == 201, response.content
                ids.append(response.json()["id"])
            for pk in ids:
                response = timed(
                    "PATCH active false (departed)",
                    lambda p=pk: client.patch(
                        f"/scim/v2/Users/{p}", json.dumps(_DISABLE), content_type=scim, **auth
                    ),
                )
                assert response.status_code == 200, response.content
            for _ in range(10):
                timed("GET a page of 200", lambda: client.get("/scim/v2/Users", **auth))
            raise _RolledBack
    except _RolledBack:
        pass
    assert Person.objects.count() == people
    print(f"Database: PostgreSQL {connection.pg_version // 10000}, {people} people on the map")
    for kind, samples in timings.items():
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        print(f"{kind:32} n={len(samples):4}  p50={p50:6.1f} ms  p99={p99:6.1f} ms")


if __name__ == "__main__":
    main()
