"""办不成事: a resident opens a request (no JavaScript needed), a supervisor assigns a
coordinator, departments are pulled in, it closes with a result within working days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from govsvc.core.workdays import add_workdays
from govsvc.evaluations import desk
from govsvc.evaluations.machine import TransitionError
from govsvc.evaluations.models import DeskRequest

pytestmark = pytest.mark.django_db


def test_a_resident_opens_a_request_from_the_page(labour) -> None:
    response = Client().post(
        reverse("evaluations:desk_new"),
        {
            "title": "灵活就业社保补贴申请不了",
            "description": "窗口说系统里查不到我的登记记录，让我去街道，街道又让我回来。",
            "failed_department": labour.pk,
            "contact_name": "王小明",
            "contact_phone": "139 1234 5678",
        },
    )
    req = DeskRequest.objects.get()
    assert response.status_code == 200 and req.number in response.content.decode()
    assert req.contact_phone == "13912345678" and req.status == "opened"
    assert req.due == add_workdays(req.opened_on, 5)


def test_a_request_needs_a_phone_that_can_be_called_back(labour) -> None:
    typed = {"title": "办不成", "description": "来回跑", "contact_name": "王小明"}
    response = Client().post(reverse("evaluations:desk_new"), {**typed, "contact_phone": "12345"})
    assert response.status_code == 200 and not DeskRequest.objects.exists()
    assert "请填写正确的电话号码" in response.content.decode()

    req = desk.open_request(**typed, contact_phone="8555 0000")
    assert req.contact_phone == "027-85550000"


def test_the_form_asks_for_what_is_missing() -> None:
    response = Client().post(reverse("evaluations:desk_new"), {"title": "办不成"})
    assert response.status_code == 200 and not DeskRequest.objects.exists()
    assert (
        "这个字段是必填项" in response.content.decode() or "required" in response.content.decode()
    )


def test_a_request_is_coordinated_across_departments_to_a_result(people, labour, police) -> None:
    req = desk.open_request(
        title="新生儿落户和医保参保来回跑",
        description="派出所要医保参保证明，医保要户口",
        contact_name="王小明",
        contact_phone="13912345678",
    )
    with pytest.raises(TransitionError, match="没有权限"):
        desk.assign(req, people.officer, coordinator_id=people.officer.pk)
    with pytest.raises(TransitionError, match="协调人必须是在岗工作人员"):
        desk.assign(req, people.supervisor, coordinator_id=people.resident.pk)
    with pytest.raises(TransitionError, match="当前状态为“已登记”，不能执行“办结”"):
        desk.close(req, people.supervisor, outcome="solved", result="x")

    req = desk.assign(req, people.supervisor, coordinator_id=people.officer.pk)
    req = desk.involve(req, people.officer, department_ids=[labour.pk, police.pk])
    assert set(req.departments.all()) == {labour, police}
    with pytest.raises(TransitionError, match="没有权限"):
        desk.close(req, people.other_officer, outcome="solved", result="x")
    with pytest.raises(TransitionError, match="结果说明"):
        desk.close(req, people.officer, outcome="solved", result=" ")
    req = desk.close(req, people.officer, outcome="solved", result="两部门并联办理，当日办结")
    assert req.status == "closed" and req.closed_at is not None


def test_staff_pages_mask_the_contact_and_drive_the_desk(people, labour) -> None:
    req = desk.open_request(
        title="公积金提取被拒",
        description="不知道缺什么材料",
        contact_name="王小明",
        contact_phone="13912345678",
    )
    client = Client()
    client.force_login(people.supervisor)
    listing = client.get(reverse("evaluations:desk_list")).content.decode()
    assert "王**" in listing and "139****5678" in listing and "13912345678" not in listing

    def act(name: str, data: dict) -> str:
        url = reverse("evaluations:desk_action", args=[req.pk, name])
        return client.post(url, data, follow=True).content.decode()

    act("assign", {"coordinator": people.officer.pk})
    act("involve", {"departments": [labour.pk]})
    page = act("close", {"outcome": "explained", "result": "已告知所需材料并预约办理"})
    assert "已办结" in page and "13912345678" not in page
    req.refresh_from_db()
    assert req.status == "closed" and req.outcome == "explained"

    # The coordinator and the departments pulled in see it; another department does not.
    detail = reverse("evaluations:desk_detail", args=[req.pk])
    for persona, status in [
        (people.officer, 200),
        (people.clerk, 200),
        (people.other_officer, 404),
    ]:
        viewer = Client()
        viewer.force_login(persona)
        assert viewer.get(detail).status_code == status, persona


def test_the_api_opens_and_closes_a_request(people) -> None:
    created = APIClient().post(
        "/api/v1/evaluations/desk/",
        {
            "title": "营业执照变更",
            "description": "线上提交后被退回",
            "contact_name": "李四",
            "contact_phone": "13800001111",
        },
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["contact_phone"] == "138****1111" and body["contact_name"] == "李*"

    api = APIClient()
    api.force_authenticate(people.supervisor)
    url = f"/api/v1/evaluations/desk/{body['id']}/actions/"
    assert (
        api.post(url + "assign/", {"coordinator": people.clerk.pk}, format="json").status_code
        == 200
    )
    closed = api.post(url + "close/", {"outcome": "solved", "result": "已办结"}, format="json")
    assert closed.json()["status"] == "closed"
    assert APIClient().get("/api/v1/evaluations/desk/").status_code in (401, 403)


def test_desk_due_dates_follow_the_setting(settings) -> None:
    settings.EVALUATIONS_DESK_WORKDAYS = 10
    req = desk.open_request(
        title="x", description="y", contact_name="王五", contact_phone="13800002222"
    )
    assert req.due == add_workdays(req.opened_on, 10)
    assert req.due > req.opened_on + dt.timedelta(days=10)
