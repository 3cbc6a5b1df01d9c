import pytest

from tests.ownership.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, serve


@pytest.fixture
def fake_slack():
    fake = FakeSlack()
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()
    assert fake.refused == [], "Slack would refuse these blocks"


@pytest.fixture
def slack_on(settings, fake_slack):
    """The app configured for Slack, its Web API the fake one."""
    settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
    settings.SLACK_BOT_TOKEN = BOT_TOKEN
    settings.SLACK_API_URL = fake_slack.url + "/api/"
    settings.SLACK_TIMEOUT = 2
    return fake_slack
