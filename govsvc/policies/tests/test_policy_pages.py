"""Pages: public catalogue, "policies for me", and the staff pages."""

import io

import pytest
from django.test import Client

from govsvc.policies import services
from govsvc.policies.models import Audience, MatchBatch, PaymentOrder, Policy, Profile
from govsvc.policies.tests import factories as f

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_public_catalogue_shows_published_policies_only() -> None:
    f.published()
    f.policy("WH-DRAFT")

    page = Client().get("/policies/").content.decode()

    assert "高新技术企业认定奖励" in page and "免申即享" in page
    assert "WH-DRAFT" not in page
    detail = Client().get("/policies/WH-HT-01/").content.decode()
    assert "武政〔2025〕9号" in detail and "revenue_last_year" in detail
    assert Client().get("/policies/WH-DRAFT/").status_code == 404


def test_policies_for_me_explains_and_confirms_with_one_click() -> None:
    f.load_enterprises()
    owner = f.resident("owner")
    Profile.objects.filter(entity_id="91420100A2").update(user=owner)
    f.published("WH-JS-01", mode="confirm")
    services.run_batch(services.start_batch(Audience.ENTERPRISE, None))
    client = as_user(owner)

    page = client.get("/policies/mine/").content.decode()
    match_id = Profile.objects.get(entity_id="91420100A2").matches.get().pk
    answer = client.post(f"/policies/mine/{match_id}/confirm/", {"period": "2025"}, follow=True)

    assert "一键确认申领" in page and "revenue_last_year = 5000000.0" in page
    assert "已确认申领" in answer.content.decode()
    assert PaymentOrder.objects.get().profile.entity_id == "91420100A2"


def test_mine_asks_a_visitor_to_log_in() -> None:
    assert Client().get("/policies/mine/").status_code == 302


@pytest.mark.parametrize(
    "url", ["/policies/staff/", "/policies/staff/batches/", "/policies/staff/payments/"]
)
def test_staff_pages_are_for_staff(url: str) -> None:
    assert as_user(f.resident("citizen")).get(url).status_code == 403
    assert as_user(f.staff("clerk")).get(url).status_code == 200


def test_a_wrong_rule_is_shown_back_with_its_place() -> None:
    f.policy()
    client = as_user(f.staff("clerk"))

    page = client.post(
        "/policies/staff/WH-HT-01/", {"rule": "registered_region == 江岸区", "amount": "1"}
    ).content.decode()

    assert "第1行第22列 “江岸区”：未知字段 江岸区" in page
    assert "registered_region == 江岸区" in page  # the draft is kept for correction


def test_staff_draft_simulate_review_publish_match_and_pay_on_pages(tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path
    f.load_enterprises()
    f.policy()
    clerk, reviewer = as_user(f.staff("clerk")), as_user(f.staff("reviewer"))

    clerk.post("/policies/staff/WH-HT-01/", {"rule": f.HIGH_TECH_RULE, "amount": "20000"})
    version = Policy.objects.get().versions.get()
    simulated = clerk.get(f"/policies/staff/versions/{version.pk}/simulation/").content.decode()
    clerk.post(f"/policies/staff/versions/{version.pk}/submit/")
    reviewer.post(f"/policies/staff/versions/{version.pk}/approve/")
    reviewer.post(f"/policies/staff/versions/{version.pk}/publish/")
    clerk.post("/policies/staff/batches/", {"audience": "enterprise"})
    batches = clerk.get("/policies/staff/batches/").content.decode()
    clerk.post(f"/policies/staff/batches/{MatchBatch.objects.get().pk}/push/")
    clerk.post(
        "/policies/staff/payments/", {"action": "orders", "policy": "WH-HT-01", "period": "2025"}
    )
    for order in PaymentOrder.objects.all():
        reviewer.post("/policies/staff/payments/", {"action": "approve", "order": order.pk})
    handed = reviewer.post("/policies/staff/payments/", {"action": "hand_over"}, follow=True)

    assert "40000.00" in simulated and "武昌区" in simulated
    assert '<progress max="100" value="100">' in batches
    assert "已移交财政" in handed.content.decode()
    assert "622200******0001" in handed.content.decode()


def test_the_demo_command_publishes_matches_and_can_run_twice() -> None:
    from django.core.management import call_command

    call_command("policies_demo", stdout=io.StringIO())
    call_command("policies_demo", stdout=io.StringIO())

    assert Policy.objects.filter(status="published").count() == 3
    assert "高龄津贴" in Client().get("/policies/").content.decode()
