"""/api/v1/hotline/: intake, masking, transitions with clear errors, never a 500."""

import pytest
from rest_framework.test import APIClient

from govsvc.hotline.models import Status, Ticket

from .conftest import new_ticket

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_a_citizen_submits_a_ticket_and_sees_it_masked(places, catalogue):
    response = client_for().post(
        "/api/v1/hotline/tickets/",
        {
            "content": "公司拖欠我三个月工资",
            "kind": "complaint",
            "caller_name": "张三丰",
            "caller_phone": "13812345678",
            "region": places.community.code,
            "channel": "mobile",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "received" and body["channel"] == "mobile"
    assert body["proposed_category"] == "labour"
    assert body["caller_phone"] == "138****5678" and body["caller_name"] == "张**"
    assert body["token"]


def test_invalid_intake_is_refused_with_field_errors(db):
    response = client_for().post(
        "/api/v1/hotline/tickets/", {"kind": "rant", "latitude": 200}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert {"content", "kind", "latitude"} <= set(error["details"])


def test_a_caller_phone_must_be_one_that_can_be_called_back(places, agent):
    url = "/api/v1/hotline/tickets/"
    body = {"content": "小区路灯坏了一个月", "caller_phone": "12345"}
    refused = client_for().post(url, body, format="json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"]["caller_phone"][0].startswith("请填写正确的电话号码：11 位手机号")
    assert not Ticket.objects.exists()

    created = client_for(agent).post(url, {**body, "caller_phone": "8555 0000"}, format="json")
    assert created.status_code == 201, created.content
    assert Ticket.objects.get().caller_phone == "027-85550000"


def test_anonymous_callers_cannot_list_tickets(db):
    response = client_for().get("/api/v1/hotline/tickets/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_agents_see_caller_details_and_officers_of_other_departments_do_not(
    places, catalogue, agent, labour_officer, urban_officer
):
    ticket = new_ticket(places)
    client_for(agent).post(
        f"/api/v1/hotline/tickets/{ticket.number}/actions/dispatch/", {}, format="json"
    )

    as_agent = client_for(agent).get(f"/api/v1/hotline/tickets/{ticket.number}/").json()
    assert as_agent["caller_phone"] == "13812345678"
    assert "dispatch" not in as_agent["allowed_actions"]
    assert [(e["action_label"], e["to_status_label"]) for e in as_agent["events"]] == [
        ("受理", "已受理"),
        ("派单", "已派单"),
    ]

    as_officer = client_for(labour_officer).get(f"/api/v1/hotline/tickets/{ticket.number}/")
    assert as_officer.json()["caller_phone"] == "13812345678"
    assert as_officer.json()["allowed_actions"] == ["accept", "return", "object"]

    other = client_for(urban_officer).get(f"/api/v1/hotline/tickets/{ticket.number}/")
    assert other.status_code == 404


def test_confidential_caller_is_hidden_from_the_department(
    places, catalogue, agent, labour_officer
):
    ticket = new_ticket(places, confidential=True)
    client_for(agent).post(
        f"/api/v1/hotline/tickets/{ticket.number}/actions/dispatch/", {}, format="json"
    )
    body = client_for(labour_officer).get(f"/api/v1/hotline/tickets/{ticket.number}/").json()
    assert body["caller_phone"] == "138****5678"
    assert body["content"] == "（保密工单，内容不公开）"


def test_the_loop_through_the_api_and_a_wrong_transition_answers_409(
    places, catalogue, agent, labour_officer
):
    ticket = new_ticket(places)
    base = f"/api/v1/hotline/tickets/{ticket.number}/actions"

    assert client_for(agent).post(f"{base}/dispatch/", {}, format="json").status_code == 200
    wrong = client_for(agent).post(f"{base}/close/", {}, format="json")
    assert wrong.status_code == 409
    assert wrong.json()["error"]["message"] == (
        f"工单 {ticket.number} 当前状态为“已派单”，不能执行“办结”。"
    )

    officer = client_for(labour_officer)
    assert officer.post(f"{base}/accept/", {}, format="json").status_code == 200
    missing = officer.post(f"{base}/return/", {"reason": ""}, format="json")
    assert missing.status_code == 400 and "退单理由" in missing.json()["error"]["message"]
    answered = officer.post(f"{base}/answer/", {"text": "已处理"}, format="json")
    assert answered.json()["status"] == Status.ANSWERED

    forbidden = officer.post(f"{base}/close/", {}, format="json")
    assert forbidden.status_code == 403


def test_unknown_actions_and_bad_bodies_are_clear_errors(places, agent):
    ticket = new_ticket(places)
    base = f"/api/v1/hotline/tickets/{ticket.number}/actions"
    unknown = client_for(agent).post(f"{base}/explode/", {}, format="json")
    assert unknown.status_code == 404 and "可用操作" in unknown.json()["error"]["message"]

    bad = client_for(agent).post(f"{base}/dispatch/", {"department": "nope"}, format="json")
    assert bad.status_code == 400 and "department" in bad.json()["error"]["details"]

    merge = client_for(agent).post(f"{base}/merge/", {"into": "NOPE"}, format="json")
    assert merge.status_code == 400


def test_seat_queue_lists_only_that_seats_tickets(places, agent):
    new_ticket(places, content="小区物业不作为，电梯经常坏也不维修")
    new_ticket(places, content="公司拖欠工资")
    body = client_for(agent).get("/api/v1/hotline/tickets/?seat=housing").json()
    assert body["count"] == 1 and body["results"][0]["seat"] == "housing"


def test_classify_proposes_a_category(db):
    body = (
        client_for()
        .post("/api/v1/hotline/classify/", {"text": "楼下餐馆油烟直排"}, format="json")
        .json()
    )
    assert body["category"] == "environment" and 0 < body["confidence"] <= 1
    assert client_for().post("/api/v1/hotline/classify/", {}, format="json").status_code == 400


def test_stats_for_staff(places, agent):
    new_ticket(places)
    body = client_for(agent).get("/api/v1/hotline/stats/?days=7").json()
    assert body["rates"]["received"] == 1
    assert client_for(agent).get("/api/v1/hotline/stats/?days=x").status_code == 400


def test_the_openapi_schema_documents_the_hotline(db):
    response = client_for().get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/hotline/tickets/{number}/actions/{action}/" in response.content


def test_ticket_numbers_are_unique(places):
    numbers = {new_ticket(places).number for _ in range(3)}
    assert len(numbers) == 3 and Ticket.objects.count() == 3
