"""SMS to callers at the steps they wait for: 受理 (with the number to follow the ticket),
答复 (with the answer and the 好差评 invitation, answered by replying a digit) and, for a
merged duplicate, each step of its parent.

Messages go out after the change commits, through the platform's SMS adapter
(settings.SMS_SENDER; the default logs, masked). A failing gateway is logged and never
undoes the change; the ticket's timeline already records what the caller was told.
Landlines get no SMS.
"""

from __future__ import annotations

import logging

from django.db import transaction

from govsvc.core.phones import mobile_number
from govsvc.core.sms import sms_sender
from govsvc.evaluations.levels import SMS_INVITATION
from govsvc.hotline.models import Ticket

logger = logging.getLogger(__name__)

SIGNATURE = "【武汉12345】"
ANSWER_CHARS = 60  # an SMS of a few segments; the whole answer is on the tracking page


def received(ticket: Ticket) -> None:
    _send(
        ticket,
        f"您反映的问题已受理，工单编号 {ticket.number}。"
        "凭编号和本机号码可在“12345 工单查询”查看办理进度和答复。",
    )


def answered(ticket: Ticket, *, invite: bool) -> None:
    """The answer, and the rating invitation when a ratable act was registered for it."""
    what = f"12345 工单 {ticket.number}"
    invitation = SMS_INVITATION.format(what=what) if invite else ""
    _send(ticket, f"{what}已答复：{_short(ticket.answer)}{invitation}")


def merged_step(child: Ticket, note: str) -> None:
    _send(child, f"您的工单 {child.number} 已与相同诉求合并办理。{_short(note)}")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ANSWER_CHARS else text[: ANSWER_CHARS - 1] + "…"


def _send(ticket: Ticket, message: str) -> None:
    phone, ticket_id = mobile_number(ticket.caller_phone), ticket.pk
    if not phone:
        return

    def deliver() -> None:
        try:
            sms_sender().send(phone, SIGNATURE + message)
        except Exception:  # the gateway's fault must not reach the caller's request
            logger.exception("hotline_sms_failed ticket_id=%s", ticket_id)
        else:
            logger.info("hotline_sms_sent ticket_id=%s", ticket_id)

    transaction.on_commit(deliver)
