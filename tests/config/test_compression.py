"""Pages travel compressed; static files are compressed ahead of time and served hashed."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_compressed_for_a_browser_that_takes_gzip(client, member):
    client.force_login(member)
    response = client.get(reverse("ownership:dashboard"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    plain = client.get(reverse("ownership:dashboard"))
    assert not plain.has_header("Content-Encoding")
