"""Back office: officers edit their own department's items; reviewers publish."""

import pytest
from django.test import Client

from govsvc.catalog.models import Status
from govsvc.catalog.tests import factories

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_an_officer_sees_and_edits_only_their_departments_items() -> None:
    mine, other = factories.department(), factories.department()
    own_item = factories.base_item(mine)
    foreign_item = factories.base_item(other)
    client = _client(factories.catalog_officer(mine))

    listing = client.get("/admin/catalog/serviceitem/")
    assert listing.status_code == 200
    assert own_item.name in listing.content.decode()
    assert foreign_item.name not in listing.content.decode()
    assert client.get(f"/admin/catalog/serviceitem/{own_item.pk}/change/").status_code == 200
    assert client.get(f"/admin/catalog/serviceitem/{foreign_item.pk}/change/").status_code in (
        302,
        403,
        404,
    )


def test_an_officer_cannot_publish_but_a_reviewer_can() -> None:
    dept = factories.department()
    item = factories.base_item(dept, status=Status.REVIEW)
    officer = _client(factories.catalog_officer(dept))
    data = {"action": "publish", "_selected_action": [item.pk]}

    officer.post("/admin/catalog/serviceitem/", data)
    item.refresh_from_db()
    assert item.status == Status.REVIEW

    _client(factories.reviewer()).post("/admin/catalog/serviceitem/", data)
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED


def test_the_reviewer_is_refused_when_elements_deviate() -> None:
    base = factories.base_item()
    impl = factories.implementation(base, fee="收费50元")
    response = _client(factories.reviewer()).post(
        "/admin/catalog/serviceitem/",
        {"action": "publish", "_selected_action": [impl.pk]},
        follow=True,
    )
    impl.refresh_from_db()
    assert impl.status == Status.REVIEW
    assert "四级同要素" in response.content.decode()
