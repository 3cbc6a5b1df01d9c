"""Running one piece of work in several threads at once, as two workers or two browsers would:
for the tests that two writers meeting on PostgreSQL make each thing once."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def at_once(work: Callable[[], Any], *, times: int = 2, timeout: float = 60) -> tuple[list, list]:
    """Run `work` in `times` threads started together, each on its own database connection
    (closed when it ends): what they returned, and what they raised."""
    results: list = []
    errors: list = []

    def run() -> None:
        try:
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results, errors
