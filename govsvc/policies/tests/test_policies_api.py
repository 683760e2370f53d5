"""/api/v1/policies/: catalogue, rule checks with positions, explain, staff flow, mine."""

import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from govsvc.policies import services
from govsvc.policies.models import Audience, Match, PaymentOrder, Policy, Profile
from govsvc.policies.tests import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/policies/"


@pytest.fixture
def clerk() -> APIClient:
    client = APIClient()
    client.force_authenticate(f.staff("clerk"))
    return client


@pytest.fixture
def reviewer() -> APIClient:
    client = APIClient()
    client.force_authenticate(f.staff("reviewer"))
    return client


def test_it_lists_only_published_policies() -> None:
    f.published()
    f.policy("WH-DRAFT")

    body = APIClient().get(API).json()

    assert [p["code"] for p in body] == ["WH-HT-01"]
    assert body[0]["rule"] == f.HIGH_TECH_RULE and body[0]["mode_name"] == "免申即享"
    assert APIClient().get(API + "WH-DRAFT/").status_code == 404


def test_a_rule_error_names_line_column_and_token() -> None:
    answer = APIClient().post(
        API + "rules/check/",
        {"audience": "enterprise", "rule": "is_high_tech and\n  revenue_last_yeer > 1"},
        format="json",
    )

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "rule_invalid"
    assert (error["details"]["line"], error["details"]["column"]) == (2, 3)
    assert error["details"]["token"] == "revenue_last_yeer"
    assert "revenue_last_year" in error["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"audience": "alien", "rule": "x"},
        {"audience": "enterprise", "rule": "(" * 5000},
        {"audience": "enterprise", "rule": "employees > 1", "amount_formula": "employees >"},
        "not json at all",
    ],
)
def test_bad_requests_get_a_clear_error_never_a_500(payload: object) -> None:
    answer = APIClient().post(API + "rules/check/", payload, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"]


def test_explain_shows_the_failed_condition_of_a_near_miss() -> None:
    f.published()
    values = {"registered_region": "江岸区", "is_high_tech": True, "revenue_last_year": 4e6}

    body = (
        APIClient()
        .post(API + "explain/", {"policy": "WH-HT-01", "values": values}, format="json")
        .json()
    )

    assert not body["matched"] and body["near_miss"]
    assert body["failed"] == ["revenue_last_year >= 5000000.0"]


def test_staff_draft_review_publish_batch_and_pay_through_the_api(
    clerk: APIClient, reviewer: APIClient, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path
    f.load_enterprises()
    f.policy()

    draft = clerk.post(
        API + "WH-HT-01/versions/", {"rule": f.HIGH_TECH_RULE, "amount": "20000"}, format="json"
    )
    version = draft.json()["id"]
    assert clerk.post(API + f"versions/{version}/submit/").status_code == 200
    assert (
        clerk.post(
            API + f"versions/{version}/review/", {"approve": True}, format="json"
        ).status_code
        == 409
    )
    assert (
        reviewer.post(
            API + f"versions/{version}/review/", {"approve": True}, format="json"
        ).status_code
        == 200
    )
    simulated = reviewer.get(API + f"versions/{version}/simulation/").json()
    assert simulated["qualified"] == 2 and simulated["total_payout"] == "40000.00"
    assert reviewer.post(API + f"versions/{version}/publish/").status_code == 200

    batch = clerk.post(API + "batches/", {"audience": "enterprise"}, format="json").json()
    assert (batch["status"], batch["progress"], batch["matches"]) == ("done", 100, 2)
    assert clerk.post(API + f"batches/{batch['id']}/push/").json() == {"pushed": 2}
    assert clerk.post(
        API + "WH-HT-01/payment-orders/", {"period": "2025"}, format="json"
    ).json() == {"created": 2}
    assert clerk.post(
        API + "WH-HT-01/payment-orders/", {"period": "2025"}, format="json"
    ).json() == {"created": 0}
    for order in clerk.get(API + "payments/").json():
        reviewer.post(API + f"payments/{order['id']}/review/", {"approve": True}, format="json")
    handed = clerk.post(API + "payments/hand-over/").json()
    assert handed["orders"] == 2
    assert clerk.post(API + "payments/hand-over/").json() == {"key": None, "orders": 0}


def test_staff_endpoints_refuse_the_public() -> None:
    f.policy()
    client = APIClient()
    client.force_authenticate(f.resident("citizen"))

    assert (
        client.post(
            API + "WH-HT-01/versions/", {"rule": "employees > 1"}, format="json"
        ).status_code
        == 403
    )
    assert APIClient().post(
        API + "batches/", {"audience": "enterprise"}, format="json"
    ).status_code in (401, 403)


def test_an_import_reports_bad_rows(clerk: APIClient) -> None:
    upload = io.BytesIO(f.ENTERPRISES_CSV.encode())
    upload.name = "enterprises.csv"

    body = clerk.post(
        API + "profiles/import/", {"kind": "enterprise", "file": upload}, format="multipart"
    ).json()

    assert (body["rows_total"], body["rows_ok"]) == (6, 4)
    assert body["errors"][0]["row"] == 6


def test_an_unreadable_upload_is_refused_clearly(clerk: APIClient) -> None:
    upload = io.BytesIO(b"\x00\x01garbage")
    upload.name = "x.parquet"

    answer = clerk.post(
        API + "profiles/import/", {"kind": "enterprise", "file": upload}, format="multipart"
    )

    assert answer.status_code == 400 and answer.json()["error"]["code"] == "file_invalid"


def test_an_enterprise_sees_its_policies_and_confirms_with_one_click() -> None:
    f.load_enterprises()
    owner = f.resident("a1-owner")
    Profile.objects.filter(entity_id="91420100A1").update(user=owner)
    f.published("WH-JS-01", mode="confirm")
    services.run_batch(services.start_batch(Audience.ENTERPRISE, None))
    client = APIClient()
    client.force_authenticate(owner)

    body = client.get(API + "mine/").json()
    match_id = body["matches"][0]["id"]
    confirmed = client.post(API + f"matches/{match_id}/confirm/", {"period": "2025"}, format="json")

    assert [m["policy"]["code"] for m in body["matches"]] == ["WH-JS-01"]
    assert confirmed.status_code == 201 and confirmed.json()["amount"] == "20000.00"
    assert PaymentOrder.objects.get().amount == Decimal("20000")
    other = Match.objects.exclude(pk=match_id).first()
    assert other is not None
    assert (
        client.post(
            API + f"matches/{other.pk}/confirm/", {"period": "2025"}, format="json"
        ).status_code
        == 409
    )
    assert Policy.objects.count() == 1


def test_the_catalogue_costs_one_query_however_many_policies(django_assert_num_queries) -> None:
    for number in range(3):
        f.published(f"WH-{number}")

    with django_assert_num_queries(1):
        assert len(APIClient().get(API).json()) == 3


@pytest.mark.parametrize("name", ["x.xlsx", "x.csv", "x.parquet"])
def test_a_broken_file_of_any_kind_is_refused_clearly(clerk: APIClient, name: str) -> None:
    upload = io.BytesIO(b"\xff\xfe\x00garbage\x00" * 10)
    upload.name = name

    answer = clerk.post(
        API + "profiles/import/", {"kind": "enterprise", "file": upload}, format="multipart"
    )

    assert answer.status_code == 400 and answer.json()["error"]["code"] == "file_invalid"
