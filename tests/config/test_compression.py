"""Pages travel compressed; static files are compressed ahead of time and served hashed."""

import re

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory
from django.urls import reverse
from whitenoise.middleware import WhiteNoiseMiddleware

pytestmark = pytest.mark.django_db


def test_pages_are_compressed_for_a_browser_that_takes_gzip(client, member):
    client.force_login(member)
    response = client.get(reverse("ownership:dashboard"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    plain = client.get(reverse("ownership:dashboard"))
    assert not plain.has_header("Content-Encoding")


def test_compressed_pages_carry_no_secret_an_attacker_could_guess_byte_by_byte(client, ops_lead):
    """BREACH guesses a secret a page repeats, from the compressed length of many responses.
    Django's GZipMiddleware pads every response with up to 100 random bytes (in the gzip
    header's file name: "Heal the Breach"), and the only secret a page repeats, the CSRF
    token, is masked afresh on each response. API tokens and calendar addresses are new ones
    each time they are shown."""
    import gzip

    client.force_login(ops_lead)
    responses = [
        client.get(reverse("ownership:dashboard"), HTTP_ACCEPT_ENCODING="gzip") for _ in range(2)
    ]
    tokens = []
    for response in responses:
        assert response["Content-Encoding"] == "gzip"
        assert response.content[3] & 0x08  # FLG.FNAME: the random padding is there
        html = gzip.decompress(response.content).decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1])
    assert tokens[0] != tokens[1]


def test_static_files_in_production_are_hashed_compressed_and_cached_for_good(tmp_path, settings):
    """What `collectstatic` makes for production: a name that changes with the content, so the
    browser may keep it forever, and gzip and Brotli copies made ahead of time."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", "--no-input", verbosity=0)
    url = static("css/ownermap.css")
    assert re.fullmatch(r"/static/css/ownermap\.[0-9a-f]{12}\.css", url)
    serve = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = serve(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] == "gzip"
    # Brotli where the browser takes it (every current one does): a sixth smaller again.
    brotli = serve(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br"))
    assert brotli["Content-Encoding"] == "br"
    assert int(brotli["Content-Length"]) < int(response["Content-Length"])
    # The unhashed name still answers (an old page), but may not be kept long.
    plain = serve(RequestFactory().get("/static/css/ownermap.css"))
    assert "immutable" not in plain["Cache-Control"]
