"""Pages: the citizen's form, the agent's fast entry, tickets and the dashboard."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from govsvc.hotline import services
from govsvc.hotline.models import Alert, Status, Ticket

from .conftest import new_ticket

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_citizen_reports_from_a_phone_and_gets_a_number(places):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile Safari")
    page = client.get("/hotline/")
    assert page.status_code == 200 and "在线反映" in page.content.decode()

    response = client.post(
        "/hotline/",
        {"content": "小区门口垃圾几天没人清运", "kind": "complaint",
         "caller_phone": "13812345678", "region": places.street.pk},
    )  # fmt: skip
    html = response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.channel == "mobile" and ticket.number in html
    assert "138****5678" in html and "13812345678" not in html


def test_the_citizen_form_shows_errors_instead_of_failing(db):
    response = Client().post("/hotline/", {"content": "", "caller_phone": "abc"})
    assert response.status_code == 200
    assert "请填写正确的电话号码" in response.content.decode()


def test_the_agent_enters_a_call_and_dispatches_it(places, catalogue, agent, labour_bureau):
    client = logged_in(agent)
    assert client.get("/hotline/intake/").status_code == 200
    response = client.post(
        "/hotline/intake/",
        {"caller_phone": "13812345678", "caller_name": "张三", "content": "老板拖欠工资三个月",
         "kind": "complaint", "urgency": "normal", "region": places.community.pk},
    )  # fmt: skip
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{ticket.number}/")

    page = client.get(response.url).content.decode()
    assert "13812345678" in page and "劳动与社保" in page and "派单" in page

    client.post(f"/hotline/tickets/{ticket.number}/do/dispatch/", {})
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.department == labour_bureau
    timeline = client.get(f"/hotline/tickets/{ticket.number}/").content.decode()
    assert "受理 → 已受理" in timeline and "派单 → 已派单" in timeline  # not the codes
    assert "dispatched" not in timeline.split("流转记录")[-1]

    wrong = client.post(f"/hotline/tickets/{ticket.number}/do/close/", {}, follow=True)
    assert "不能执行“办结”" in wrong.content.decode()


def test_the_entry_page_refuses_12345_as_a_phone_and_keeps_what_the_agent_typed(places, agent):
    client = logged_in(agent)
    typed = {"caller_phone": "12345", "caller_name": "张三", "content": "老板拖欠工资三个月",
             "kind": "complaint", "urgency": "normal"}  # fmt: skip
    response = client.post("/hotline/intake/", typed)
    html = response.content.decode()
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert "请填写正确的电话号码：11 位手机号" in html
    assert 'value="12345"' in html and "老板拖欠工资三个月" in html and 'value="张三"' in html

    client.post("/hotline/intake/", {**typed, "caller_phone": "8555 0000"})
    assert Ticket.objects.get().caller_phone == "027-85550000"


def test_the_agent_transfers_an_emergency_from_the_entry_page(places, agent):
    logged_in(agent).post(
        "/hotline/intake/",
        {"content": "楼道着火了", "kind": "help", "urgency": "critical",
         "emergency_line": "119"},
    )  # fmt: skip
    assert Ticket.objects.get().status == Status.TRANSFERRED


def test_officers_see_their_tickets_with_the_caller_masked_when_confidential(
    places, catalogue, agent, labour_officer
):
    ticket = new_ticket(places, confidential=True)
    logged_in(agent).post(f"/hotline/tickets/{ticket.number}/do/dispatch/", {})
    client = logged_in(labour_officer)

    listing = client.get("/hotline/tickets/").content.decode()
    assert ticket.number in listing
    page = client.get(f"/hotline/tickets/{ticket.number}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "拖欠" not in page


def test_pages_need_a_staff_login(places, labour_officer):
    assert Client().get("/hotline/tickets/").status_code == 302
    officer = logged_in(labour_officer)
    assert officer.get("/hotline/intake/").status_code == 403
    # The officer's menu does not offer the page it may not open.
    listing = officer.get("/hotline/tickets/").content.decode()
    assert "数据与预警" in listing and "来电录入" not in listing


def test_a_signed_in_resident_is_not_shown_the_staff_menu(places):
    resident = User.objects.create(username="resident_li")
    page = logged_in(resident).get("/hotline/").content.decode()
    assert "在线反映" in page and "数据与预警" not in page


def test_the_dashboard_shows_rates_and_alerts(places, agent):
    ticket = new_ticket(places)
    alert = Alert.objects.create(
        kind="burst", key="burst:test", title="测试甲街集中反映停水", window_start=ticket.received_at,
        window_end=ticket.received_at, ticket_count=1,
    )  # fmt: skip
    alert.tickets.add(ticket)

    page = logged_in(agent).get("/hotline/dashboard/").content.decode()

    assert "按时办结率" in page and "满意率" in page and "<svg" in page
    assert "测试甲街集中反映停水" in page and ticket.number in page
    assert "<script" not in page.split("</head>")[1]


def test_a_citizen_attaches_a_photo_and_a_wrong_file_is_refused(places, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    photo = SimpleUploadedFile("井盖.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    Client().post("/hotline/", {"content": "井盖缺失", "kind": "report", "attachment": photo})
    assert Ticket.objects.get().attachments.get().name == "井盖.jpg"

    script = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = Client().post("/hotline/", {"content": "看附件", "kind": "report",
                                            "attachment": script})  # fmt: skip
    assert response.status_code == 200 and Ticket.objects.count() == 1


def test_the_ticket_page_opens_the_loops_next_step_first(places, catalogue, agent, labour_officer):
    ticket = new_ticket(places)
    services.dispatch(ticket, actor=agent)
    services.accept(ticket, actor=labour_officer)
    services.answer(ticket, actor=labour_officer, text="已督促企业补发工资")
    page = logged_in(agent).get(f"/hotline/tickets/{ticket.number}/").content.decode()
    first = page.split("<details open>")[1]
    assert first.split("</summary>")[0].endswith("办结")  # not 督办, which comes first in the loop
    assert page.count("<details open>") == 1
