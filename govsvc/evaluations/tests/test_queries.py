"""Query counts on the hot paths: the rating page and the provincial pull."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from govsvc.evaluations import rectifications, services

pytestmark = pytest.mark.django_db


def test_the_rating_page_takes_a_fixed_number_of_queries(
    make_act, django_assert_max_num_queries
) -> None:
    act = make_act()
    client = Client()
    with django_assert_max_num_queries(4):
        assert client.get(reverse("evaluations:rate", args=[act.token])).status_code == 200


def test_the_provincial_pull_does_not_grow_with_the_page(
    make_act, people, django_assert_num_queries
) -> None:
    api = APIClient()
    api.force_authenticate(people.supervisor)
    url = "/api/v1/evaluations/provincial/ratings/"
    services.rate(make_act(), level="basic", channel="web")
    with django_assert_num_queries(2) as small:
        api.get(url)
    for _ in range(10):
        services.rate(make_act(), level="satisfied", channel="sms")
    with django_assert_num_queries(len(small.captured_queries)):
        assert api.get(url).json()["count"] == 11


def test_the_rectification_list_does_not_grow_with_its_rows(
    make_act, people, django_assert_num_queries
) -> None:
    client = Client()
    client.force_login(people.supervisor)
    url = reverse("evaluations:rectification_list")
    services.rate(make_act(), level="dissatisfied", channel="web")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        services.rate(make_act(), level="very_dissatisfied", channel="sms")
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("非常不满意") == 5


def test_the_list_can_show_only_escalated_rectifications(make_act, people) -> None:
    first = services.rate(make_act(), level="dissatisfied", channel="web").rectification
    services.rate(make_act(), level="dissatisfied", channel="web")
    rectifications.escalate(first, people.supervisor)
    client = Client()
    client.force_login(people.supervisor)
    page = client.get(reverse("evaluations:rectification_list"), {"escalated": "1"})
    rows = page.content.decode().count('href="/evaluations/staff/rectifications/')
    assert rows == 1
