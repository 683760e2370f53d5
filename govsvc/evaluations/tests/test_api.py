"""The API schema and the provincial pull interface (levels in the provincial numbering)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import include, path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from govsvc.evaluations import services
from govsvc.evaluations.tests.factories import at

pytestmark = pytest.mark.django_db


def test_the_schema_documents_every_evaluations_endpoint() -> None:
    # Only our endpoints: generating the whole project's schema takes far longer.
    patterns = [path("api/v1/evaluations/", include("govsvc.evaluations.api_urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    validate_schema(schema)
    for route in (
        "/api/v1/evaluations/acts/",
        "/api/v1/evaluations/ratings/",
        "/api/v1/evaluations/ratings/{id}/follow-up/",
        "/api/v1/evaluations/sms/inbound/",
        "/api/v1/evaluations/rectifications/{id}/actions/{name}/",
        "/api/v1/evaluations/desk/",
        "/api/v1/evaluations/stats/",
        "/api/v1/evaluations/provincial/ratings/",
    ):
        assert route in schema["paths"], route
    provincial = schema["paths"]["/api/v1/evaluations/provincial/ratings/"]["get"]
    assert "updated_since" in [p["name"] for p in provincial["parameters"]]


def test_cases_and_hotline_record_acts_through_the_api(people, labour, item) -> None:
    api = APIClient()
    api.force_authenticate(people.clerk)
    body = {
        "kind": "case_accepted",
        "reference": "WH-API-1",
        "department": labour.pk,
        "item": item.pk,
        "phone": "13912345678",
    }
    first = api.post("/api/v1/evaluations/acts/", body, format="json")
    again = api.post("/api/v1/evaluations/acts/", body, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["phone_masked"] == "139****5678"
    assert first.json()["rate_url"] == f"/evaluations/rate/{first.json()['token']}/"
    listed = api.get("/api/v1/evaluations/acts/", {"reference": "WH-API-1"}).json()["results"]
    assert len(listed) == 1
    assert listed and all("token" not in act for act in listed)  # the link is the person's
    assert APIClient().post("/api/v1/evaluations/acts/", body, format="json").status_code in (
        401,
        403,
    )


def test_the_provincial_system_pulls_ratings_with_its_numbering(make_act, people, item) -> None:
    levels = ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"]
    for n, level in enumerate(levels):
        services.rate(
            make_act(reference=f"PROV{n}"),
            level=level,
            channel="web",
            indicators=["efficiency"],
            text=f"第{n}条",
            rated_at=at(dt.date(2025, 11, 3 + n)),
        )
    api = APIClient()
    api.force_authenticate(people.supervisor)

    page = api.get("/api/v1/evaluations/provincial/ratings/?limit=3").json()
    assert page["count"] == 5 and len(page["results"]) == 3
    rows = page["results"] + api.get(page["next"]).json()["results"]
    assert [r["level"] for r in rows] == [5, 4, 3, 2, 1]  # provincial: 1 = 非常不满意
    first = rows[0]
    assert first["case_number"] == "PROV0" and first["item_code"] == item.implementation_code
    assert first["channel"] == "web" and first["indicators"] == ["efficiency"]
    assert first["text"] == "第0条" and first["valid"] is True and first["created_at"]

    since = rows[2]["updated_at"]
    later = api.get("/api/v1/evaluations/provincial/ratings/", {"updated_since": since}).json()
    assert [r["case_number"] for r in later["results"]] == ["PROV3", "PROV4"]

    # A follow-up is a change the province must see again.
    rating = services.rate(make_act(reference="PROV9"), level="basic", channel="sms")
    last_seen = api.get("/api/v1/evaluations/provincial/ratings/").json()["results"][-1][
        "updated_at"
    ]
    services.follow_up(rating, text="后来解决了", channel="sms")
    changed = api.get(
        "/api/v1/evaluations/provincial/ratings/", {"updated_since": last_seen}
    ).json()
    assert [(r["case_number"], r["follow_up"]) for r in changed["results"]] == [
        ("PROV9", "后来解决了")
    ]

    assert (
        api.get("/api/v1/evaluations/provincial/ratings/?updated_since=yesterday").status_code
        == 400
    )
    assert APIClient().get("/api/v1/evaluations/provincial/ratings/").status_code in (401, 403)
