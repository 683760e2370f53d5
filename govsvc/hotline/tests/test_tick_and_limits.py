"""Time limits, reminders and 督办 by hotline_tick, and the specialist seats' queues."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from govsvc.hotline import services, timelimits
from govsvc.hotline.models import Category, LimitUnit, Seat, Status, TimeLimitRule
from govsvc.hotline.tick import run_tick

from .conftest import new_ticket

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_normal_tickets_count_chinese_working_days_across_national_day():
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    deadline = timelimits.deadline_after(start, timelimits.limit_for("consult", "normal"))
    # 1–8 October 2025 are holidays; the 9th is the first working day after.
    assert timezone.localtime(deadline).date() == dt.date(2025, 10, 9)


def test_urgent_tickets_count_hours():
    start = dt.datetime(2025, 10, 1, 10, 0, tzinfo=SHANGHAI)
    deadline = timelimits.deadline_after(start, timelimits.limit_for("help", "critical"))
    assert deadline == start + dt.timedelta(hours=2)


def test_an_administrator_overrides_a_time_limit():
    TimeLimitRule.objects.create(kind="complaint", urgency="normal", amount=8, unit="hours")
    limit = timelimits.limit_for("complaint", "normal")
    assert (limit.amount, limit.unit) == (8, LimitUnit.HOURS)


def test_tick_reminds_before_and_supervises_after_the_limit(
    places, catalogue, agent, labour_officer
):
    ticket = new_ticket(places, urgency="urgent")
    services.dispatch(ticket, actor=agent)
    services.accept(ticket, actor=labour_officer)
    deadline = ticket.deadline

    assert run_tick(deadline - dt.timedelta(hours=10), detect=False).reminded == []
    assert run_tick(deadline - dt.timedelta(hours=2), detect=False).reminded == [ticket.number]
    assert run_tick(deadline - dt.timedelta(hours=1), detect=False).reminded == []

    report = run_tick(deadline + dt.timedelta(minutes=1), detect=False)
    assert report.supervised == [ticket.number]
    assert run_tick(deadline + dt.timedelta(hours=5), detect=False).supervised == []

    ticket.refresh_from_db()
    assert ticket.supervision_count == 1 and ticket.status == Status.PROCESSING
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions.count("remind") == 1 and actions.count("supervise") == 1


def test_late_closing_is_not_on_time(places, catalogue, agent, labour_officer):
    ticket = new_ticket(places)
    services.dispatch(ticket, actor=agent)
    services.accept(ticket, actor=labour_officer)
    type(ticket).objects.filter(pk=ticket.pk).update(
        deadline=timezone.now() - dt.timedelta(hours=1)
    )
    services.answer(ticket, actor=labour_officer, text="已处理")
    services.close(ticket, actor=agent)
    assert ticket.on_time is False


def test_the_tick_command_prints_a_json_summary(db):
    out = StringIO()
    call_command("hotline_tick", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary == {"reminded": 0, "supervised": 0, "alerts": [], "messages_resent": 0}


@pytest.mark.parametrize(
    ("text", "seat"),
    [
        ("企业开办审批材料交了三次还被退回，政务中心窗口要求每次不一样", Seat.BUSINESS),
        ("身份证丢失了想问在哪个派出所补办", Seat.PUBLIC_SECURITY),
        ("孩子今年上小学，划片的学校太远，想问学区划分", Seat.EDUCATION),
        ("在医院排队挂号三个小时，号源被黄牛抢光", Seat.MEDICAL),
        ("小区物业不作为，电梯经常坏也不维修", Seat.HOUSING),
    ],
)
def test_tickets_of_the_five_fields_go_to_their_seat(places, text, seat):
    ticket = new_ticket(places, content=text)
    assert ticket.seat == seat


def test_a_corrected_category_moves_the_ticket_to_its_seat(places, agent, labour_bureau):
    ticket = new_ticket(places, content="小区物业不作为，电梯经常坏也不维修")
    services.dispatch(
        ticket, actor=agent, category=Category.objects.get(code="urban"), department=labour_bureau
    )
    assert ticket.seat == ""
