"""工单查询: a caller follows their own ticket by its number and their phone."""

import pytest
from django.test import Client

from govsvc.hotline import services, tracking
from govsvc.hotline.models import Category

from .conftest import new_ticket

pytestmark = pytest.mark.django_db


def answered_after_a_return(places, agent, labour_officer, urban_officer, urban_bureau):
    ticket = new_ticket(places, content="和平大道路灯坏了一大片，晚上很黑")
    services.dispatch(ticket, actor=agent, category=Category.objects.get(code="labour"))
    services.return_ticket(ticket, actor=labour_officer, reason="路灯不属于人社局职责")
    services.redispatch(
        ticket, actor=agent, department=urban_bureau, category=Category.objects.get(code="urban")
    )
    services.accept(ticket, actor=urban_officer)
    services.answer(ticket, actor=urban_officer, text="已安排维修，三日内修复。")
    return ticket


def test_the_caller_sees_progress_answer_and_a_rating_link_but_no_internal_steps(
    places, catalogue, agent, labour_officer, urban_officer, urban_bureau
):
    ticket = answered_after_a_return(places, agent, labour_officer, urban_officer, urban_bureau)

    found = tracking.find(ticket.number.lower(), "138 1234 5678")

    assert found is not None and found.verified
    assert found.progress == "承办部门已答复，等待办结"
    assert found.answer == "已安排维修，三日内修复。" and found.answer_from == urban_bureau.name
    assert found.rating_token
    labels = [step.label for step in found.steps]
    assert labels[0] == "受理" and f"改派给{urban_bureau.name}" in labels
    assert not any("退" in label or "路灯不属于" in label for label in labels)


def test_a_wrong_phone_and_an_unknown_number_answer_alike(places):
    ticket = new_ticket(places)
    assert tracking.find(ticket.number, "13900009999") is None
    assert tracking.find(ticket.number, "") is None
    assert tracking.find(ticket.number, "12345") is None
    assert tracking.find("000000000000", "13812345678") is None


def test_a_ticket_without_a_phone_shows_progress_only(places, agent):
    ticket = new_ticket(places, caller_phone="", content="社保卡丢了在哪里补办", kind="consult")
    services.direct_close(ticket, actor=agent, text="可在任一社保经办网点补办。")

    found = tracking.find(ticket.number, "")

    assert found is not None and not found.verified
    assert found.progress == "已办结"
    assert found.answer == "" and found.rating_token == ""


def test_a_merged_caller_sees_the_parent_answer_but_rates_nothing_of_theirs(
    places, catalogue, agent, labour_officer
):
    parent = new_ticket(places)
    child = new_ticket(places, caller_name="李四", caller_phone="13900001111")
    services.merge(child, into=parent, actor=agent)
    services.dispatch(parent, actor=agent)
    services.accept(parent, actor=labour_officer)
    services.answer(parent, actor=labour_officer, text="已督促企业支付")

    found = tracking.find(child.number, "13900001111")

    assert found is not None
    assert found.progress == "已合并办理，承办部门已答复，等待办结"
    assert found.answer == "已督促企业支付" and found.rating_token == ""
    assert any("已督促企业支付" in step.note for step in found.steps)


def test_the_page_takes_the_phone_by_post_and_never_shows_it(
    places, catalogue, agent, labour_officer, urban_officer, urban_bureau
):
    ticket = answered_after_a_return(places, agent, labour_officer, urban_officer, urban_bureau)
    client = Client()

    assert "工单编号" in client.get("/hotline/track/").content.decode()
    html = client.post(
        "/hotline/track/", {"number": ticket.number, "phone": "13812345678"}
    ).content.decode()

    assert "已安排维修，三日内修复。" in html and "评价这次办理" in html
    assert "13812345678" not in html and "路灯不属于人社局职责" not in html


def test_the_page_answers_a_mismatch_in_chinese_and_keeps_the_number(places):
    ticket = new_ticket(places)
    response = Client().post("/hotline/track/", {"number": ticket.number, "phone": "13900009999"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "没有找到这个工单" in html and ticket.number in html


def test_the_api_answers_the_caller_and_404s_a_mismatch(
    places, catalogue, agent, labour_officer, urban_officer, urban_bureau
):
    ticket = answered_after_a_return(places, agent, labour_officer, urban_officer, urban_bureau)
    client = Client()

    ok = client.post(
        "/api/v1/hotline/track/",
        {"number": ticket.number, "phone": "13812345678"},
        content_type="application/json",
    )
    body = ok.json()
    assert ok.status_code == 200 and body["verified"] is True
    assert body["answer"] == "已安排维修，三日内修复。"
    assert body["rating_url"].startswith("http://testserver/evaluations/rate/")
    assert body["steps"][0]["text"] == "受理"

    wrong = client.post(
        "/api/v1/hotline/track/",
        {"number": ticket.number, "phone": "13900009999"},
        content_type="application/json",
    )
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "not_found"
    missing = client.post("/api/v1/hotline/track/", {}, content_type="application/json")
    assert missing.status_code == 400


def test_the_deadline_is_shown_while_the_department_works_and_not_after_the_answer(
    places, catalogue, agent, labour_officer
):
    ticket = new_ticket(places)
    services.dispatch(ticket, actor=agent)
    client = Client()

    waiting = client.post("/hotline/track/", {"number": ticket.number, "phone": "13812345678"})
    assert "答复期限" in waiting.content.decode()

    services.accept(ticket, actor=labour_officer)
    services.answer(ticket, actor=labour_officer, text="已督促企业支付")
    answered = client.post("/hotline/track/", {"number": ticket.number, "phone": "13812345678"})
    assert "答复期限" not in answered.content.decode()
