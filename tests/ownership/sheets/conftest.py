"""The people most sheets in these tests name."""

import pytest

from tests.factories import PersonFactory


@pytest.fixture
def sam(db):
    return PersonFactory(name="Sam Carter", email="sam@shop.example")


@pytest.fixture
def priya(db):
    return PersonFactory(name="Priya Nair", email="priya@shop.example")
