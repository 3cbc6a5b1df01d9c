"""How many examples the property tests try: sized for CI, more on demand.

    .venv/bin/pytest --hypothesis-profile=thorough tests/tasks_registry/test_rhythm_properties.py

runs every property test with ten times its CI examples. Each test states its CI count through
examples(), which scales it by the loaded profile.
"""

from hypothesis import settings

settings.register_profile("thorough", max_examples=1000)
_DEFAULT_EXAMPLES = 100


def examples(in_ci: int) -> int:
    """The test's example count under the loaded profile: `in_ci` by default."""
    return in_ci * settings().max_examples // _DEFAULT_EXAMPLES
