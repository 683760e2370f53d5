"""SMS to callers: the number at 受理, the answer with the rating invitation, merged steps."""

import datetime as dt

import pytest
from django.utils import timezone

from govsvc.evaluations import services as evaluations
from govsvc.evaluations.models import Rating
from govsvc.hotline import notify, services
from govsvc.hotline.models import CallerMessage
from govsvc.hotline.tick import run_tick

from .conftest import new_ticket

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, str]] = []


class Recorder:
    def send(self, phone: str, message: str) -> None:
        SENT.append((phone, message))


class Broken:
    def send(self, phone: str, message: str) -> None:
        raise ConnectionError("gateway down")


@pytest.fixture
def sms(settings):
    settings.SMS_SENDER = "govsvc.hotline.tests.test_notify.Recorder"
    SENT.clear()
    return SENT


def test_the_caller_gets_the_number_then_the_answer_and_rates_by_reply(
    places, catalogue, agent, labour_officer, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(places, caller_phone="+86 138-1234-5678")
    assert sms == [("13812345678", sms[0][1])]
    assert ticket.number in sms[0][1] and sms[0][1].startswith("【武汉12345】")

    services.dispatch(ticket, actor=agent)
    services.accept(ticket, actor=labour_officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer(ticket, actor=labour_officer, text="已责令企业于本周内支付欠薪。")
    assert len(sms) == 2
    assert "已责令企业于本周内支付欠薪" in sms[1][1] and "请回复数字评价" in sms[1][1]

    result = evaluations.receive_sms("13812345678", "2 处理得挺快")
    assert result.outcome == "rated"
    assert Rating.objects.get().act.reference == ticket.number


def test_a_landline_gets_no_sms_and_nothing_is_sent_before_commit(
    places, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        new_ticket(places, caller_phone="027-85550000")
        new_ticket(places, caller_phone="13900001111")
    deliveries = [c for c in callbacks if c.__qualname__.startswith("_queue.")]
    assert sms == [] and len(deliveries) == 1  # the mobile's, waiting for the commit
    assert list(CallerMessage.objects.values_list("ticket__caller_phone", flat=True)) == [
        "13900001111"
    ]


def test_a_merged_caller_is_texted_the_parent_answer(
    places, catalogue, agent, labour_officer, sms, django_capture_on_commit_callbacks
):
    parent = new_ticket(places)
    child = new_ticket(places, caller_phone="13900001111")
    services.merge(child, into=parent, actor=agent)
    services.dispatch(parent, actor=agent)
    services.accept(parent, actor=labour_officer)

    with django_capture_on_commit_callbacks(execute=True):
        services.answer(parent, actor=labour_officer, text="已督促企业支付")

    to_child = [m for phone, m in sms if phone == "13900001111"]
    assert len(to_child) == 1
    assert child.number in to_child[0] and "已督促企业支付" in to_child[0]


def test_a_failing_gateway_never_undoes_the_ticket_and_the_tick_sends_later(
    places, settings, sms, django_capture_on_commit_callbacks
):
    settings.SMS_SENDER = "govsvc.hotline.tests.test_notify.Broken"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(places)
    ticket.refresh_from_db()
    assert ticket.status == "received"
    message = CallerMessage.objects.get(ticket=ticket)
    assert message.sent_at is None and message.attempts == 1
    assert "gateway down" in message.last_error

    settings.SMS_SENDER = "govsvc.hotline.tests.test_notify.Recorder"
    assert notify.retry_unsent() == 0  # not due yet: the pause after a failure
    later = timezone.now() + dt.timedelta(minutes=3)
    assert run_tick(later, detect=False).messages_resent == 1
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2
    assert sms == [("13812345678", message.text)]
    assert notify.retry_unsent(later + dt.timedelta(hours=1)) == 0  # never twice


def test_a_queued_message_is_left_to_its_commit_hook_unless_that_process_died(
    places, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the hook never runs: "died"
        new_ticket(places)

    assert notify.retry_unsent() == 0  # within the lease, the hook's own
    after_lease = timezone.now() + notify.LEASE + dt.timedelta(seconds=1)
    assert notify.retry_unsent(after_lease) == 1
    assert notify.retry_unsent(after_lease + notify.LEASE * 2) == 0  # sent once only
    assert len(sms) == 1


def test_a_gateway_that_keeps_failing_is_given_up_after_the_last_attempt(places, settings):
    settings.SMS_SENDER = "govsvc.hotline.tests.test_notify.Broken"
    ticket = new_ticket(places)
    message = CallerMessage.objects.get(ticket=ticket)
    moment = timezone.now()
    for _ in range(notify.MAX_ATTEMPTS + 2):
        moment += dt.timedelta(days=1)
        notify.retry_unsent(moment)
    message.refresh_from_db()
    assert message.attempts == notify.MAX_ATTEMPTS and message.sent_at is None


def test_no_rating_is_invited_where_no_act_could_be_registered(
    places, sms, django_capture_on_commit_callbacks
):
    ticket = new_ticket(places)
    ticket.answer = "可在任一社保经办网点补办。"
    with django_capture_on_commit_callbacks(execute=True):
        notify.answered(ticket, invite=False)
    assert "可在任一社保经办网点补办" in sms[-1][1] and "请回复数字评价" not in sms[-1][1]


def test_staff_see_what_was_texted_to_the_caller_and_whether_it_went(
    places, agent, sms, django_capture_on_commit_callbacks
):
    from django.test import Client

    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(places)
    client = Client()
    client.force_login(agent)
    page = client.get(f"/hotline/tickets/{ticket.number}/").content.decode()
    assert "给来电人的短信" in page and "已发送" in page and ticket.number in page
