"""SMS to callers at the steps they wait for: 受理 (with the number to follow the ticket),
答复 (with the answer and the 好差评 invitation, answered by replying a digit) and, for a
merged duplicate, each step of its parent.

An outbox: each message is a CallerMessage row written in the same transaction as the step,
sent after commit through the platform's SMS adapter (settings.SMS_SENDER; the default logs,
masked). A message the gateway refuses stays unsent and is tried again by hotline_tick with
a growing pause, up to MAX_ATTEMPTS; a failure never undoes the step. A sender claims a
message with a conditional update first, so a message is not sent twice by the commit hook
and a tick running at the same moment. Landlines get no SMS.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from govsvc.core.phones import mobile_number
from govsvc.core.sms import sms_sender
from govsvc.evaluations.levels import SMS_INVITATION
from govsvc.hotline.models import CallerMessage, Ticket

logger = logging.getLogger(__name__)

SIGNATURE = "【武汉12345】"
ANSWER_CHARS = 60  # an SMS of a few segments; the whole answer is on the tracking page
MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=5)  # how long a claimed message waits for its sender


def received(ticket: Ticket) -> None:
    _queue(
        ticket,
        "received",
        f"您反映的问题已受理，工单编号 {ticket.number}。"
        "凭编号和本机号码可在“12345 工单查询”查看办理进度和答复。",
    )


def answered(ticket: Ticket, *, invite: bool) -> None:
    """The answer, and the rating invitation when a ratable act was registered for it."""
    what = f"12345 工单 {ticket.number}"
    invitation = SMS_INVITATION.format(what=what) if invite else ""
    _queue(ticket, "answered", f"{what}已答复：{_short(ticket.answer)}{invitation}")


def merged_step(child: Ticket, note: str) -> None:
    _queue(child, "merged", f"您的工单 {child.number} 已与相同诉求合并办理。{_short(note)}")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"


def _queue(ticket: Ticket, stage: str, message: str) -> None:
    phone = mobile_number(ticket.caller_phone)
    if not phone:
        return
    # Born claimed by its own commit hook: a tick leaves it alone for the lease, and takes
    # it over only if this process died before sending.
    row = CallerMessage.objects.create(
        ticket=ticket, stage=stage, text=SIGNATURE + message, due_at=timezone.now() + LEASE
    )
    transaction.on_commit(lambda: _send(row, phone))


def deliver(message_id: int, now: dt.datetime | None = None) -> bool:
    """Send one message if it is unsent and due; True when the gateway took it."""
    now = now or timezone.now()
    due = Q(due_at__isnull=True) | Q(due_at__lte=now)
    claimed = CallerMessage.objects.filter(
        due, pk=message_id, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    ).update(due_at=now + LEASE)
    if not claimed:
        return False
    message = CallerMessage.objects.select_related("ticket").get(pk=message_id)
    return _send(message, mobile_number(message.ticket.caller_phone), now)


def _send(message: CallerMessage, phone: str, now: dt.datetime | None = None) -> bool:
    """Hand a claimed message to the gateway and record how it went."""
    attempts = message.attempts + 1
    try:
        sms_sender().send(phone, message.text)
    except Exception as exc:  # the gateway's fault must not reach the caller's request
        pause = dt.timedelta(minutes=2**attempts)
        CallerMessage.objects.filter(pk=message.pk).update(
            attempts=attempts, due_at=(now or timezone.now()) + pause, last_error=repr(exc)[:255]
        )
        logger.warning(
            "hotline_sms_failed ticket_id=%s message_id=%s attempts=%s",
            message.ticket_id,
            message.pk,
            attempts,
        )
        return False
    CallerMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), attempts=attempts, last_error=""
    )
    logger.info("hotline_sms_sent ticket_id=%s message_id=%s", message.ticket_id, message.pk)
    return True


def retry_unsent(now: dt.datetime | None = None) -> int:
    """Send again what the gateway refused before (run by hotline_tick); how many went."""
    now = now or timezone.now()
    waiting = CallerMessage.objects.filter(
        Q(due_at__isnull=True) | Q(due_at__lte=now),
        sent_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)
    return sum(deliver(pk, now) for pk in list(waiting[:500]))
