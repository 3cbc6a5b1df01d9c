"""The printable map: the map by stage prints one page per stage of the customer journey."""

import re

import pytest

from tasks_registry.models import Stage
from tests.conftest import _member_of
from tests.factories import TaskFactory

pytestmark = pytest.mark.browser


def test_the_map_prints_one_page_per_stage(reference_data, sign_in):
    _member_of("Members", "reader", "Rita Reader")
    stages = list(Stage.objects.order_by("order"))
    for stage in stages[:3]:
        for n in range(4):
            TaskFactory(name=f"{stage.name} task {n}", stage=stage)
    page = sign_in("reader")
    page.goto(page.url.rstrip("/") + "/map/")
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == len(stages)
