"""Versions with effective dates, and the same elements at every level (四级同要素)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from govsvc.catalog.models import Status
from govsvc.catalog.services import PublishRefused, deviations, publish_item, save_item
from govsvc.catalog.tests import factories
from govsvc.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_every_change_is_a_new_version_and_history_is_kept() -> None:
    item = factories.base_item()
    item.promised_days = 3
    save_item(item, effective_from=dt.date(2027, 1, 1), note="压缩承诺时限")

    versions = list(item.versions.order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].elements["promised_days"] == 5
    assert versions[1].elements["promised_days"] == 3
    assert versions[1].effective_from == dt.date(2027, 1, 1)
    assert (
        AuditRecord.objects.filter(object_id=str(item.pk), action="item_version_saved").count() == 2
    )


def test_saving_the_same_elements_writes_no_version() -> None:
    item = factories.base_item()
    assert save_item(item) is False
    assert item.versions.count() == 1


def test_an_identical_implementation_has_no_deviation_and_publishes() -> None:
    base = factories.base_item()
    impl = factories.implementation(base, level="street")
    assert deviations(impl) == []
    publish_item(impl, actor=None)
    impl.refresh_from_db()
    assert impl.status == Status.PUBLISHED


def test_a_deviating_implementation_is_listed_and_cannot_be_published() -> None:
    base = factories.base_item()
    impl = factories.implementation(
        base,
        level="community",
        promised_days=10,
        materials=[{**factories.MATERIALS[0]}],
    )

    found = {d.element for d in deviations(impl)}
    assert found == {"promised_days", "materials"}
    with pytest.raises(PublishRefused, match="四级同要素"):
        publish_item(impl, actor=None)
    impl.refresh_from_db()
    assert impl.status == Status.REVIEW

    out = StringIO()
    call_command("catalog_deviations", stdout=out)
    assert impl.implementation_code in out.getvalue()
    assert "promised_days" in out.getvalue()


def test_local_elements_may_differ_between_levels() -> None:
    base = factories.base_item()
    impl = factories.implementation(base, place="江岸区后湖街道便民服务中心", phone="027-82000000")
    assert deviations(impl) == []


def test_shipped_catalog_keeps_the_same_elements_at_every_level() -> None:
    out = StringIO()
    call_command("catalog_deviations", stdout=out)
    assert out.getvalue().strip().endswith("共 0 处与基本目录不一致")
