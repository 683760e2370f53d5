"""工单查询: what a caller may see of their own ticket, by its number and their phone.

Ticket numbers are not secret (Open311 lists public tickets by number), so the number
alone shows nothing but progress. The content, the department's answer and the link to
rate it are shown only when the phone given matches the one the caller left. Internal
steps (退单, 派单异议, 督办, reminders) and staff names stay out: the caller sees where the
ticket is, who handles it, by when, and the answer.
"""

from __future__ import annotations

import contextlib
import hmac
from dataclasses import dataclass, field

from govsvc.core.phones import InvalidPhone, normalize_phone
from govsvc.hotline.models import Status, Ticket

# The caller's words for each status; returned and objected tickets are simply being
# dispatched again, which is all the caller needs to know.
PROGRESS = {
    Status.RECEIVED: "已受理，正在派给承办部门",
    Status.DISPATCHED: "已派给承办部门",
    Status.PROCESSING: "承办部门正在办理",
    Status.RETURNED: "正在重新派单",
    Status.OBJECTED: "正在重新派单",
    Status.ANSWERED: "承办部门已答复，等待办结",
    Status.CLOSED: "已办结",
    Status.VISITED: "已办结并回访",
    Status.EVALUATED: "已办结，您已评价",
    Status.MERGED: "已与相同诉求的工单合并办理",
    Status.TRANSFERRED: "已转紧急热线处理",
}

# Steps a caller sees, with what to say; {department} is the department after the step.
_STEPS = {
    "receive": "受理",
    "dispatch": "派给{department}",
    "redispatch": "改派给{department}",
    "uphold": "派给{department}",
    "accept": "{department}签收办理",
    "approve_extension": "承办部门申请延期获批，办理时限延长",
    "answer": "{department}答复",
    "direct_close": "话务员直接答复",
    "close": "办结",
    "callback": "回访",
    "evaluate": "评价",
    "merge": "与相同诉求的工单合并办理",
    "caller_informed": "合并办理进展",
    "transfer_emergency": "转紧急热线",
}


@dataclass
class Step:
    at: object
    label: str
    note: str = ""


@dataclass
class Progress:
    """One ticket as its caller sees it; `verified` says the phone matched."""

    ticket: Ticket
    verified: bool
    progress: str
    steps: list[Step] = field(default_factory=list)
    answer: str = ""
    answer_from: str = ""
    rating_token: str = ""

    @property
    def awaiting_answer(self) -> bool:
        """Still with the department (a reopened answer included): the deadline matters."""
        return self.ticket.status in _AWAITING


_AWAITING = {Status.DISPATCHED, Status.PROCESSING, Status.RETURNED, Status.OBJECTED}


def _same_phone(given: str, stored: str) -> bool:
    try:
        given = normalize_phone(given)
    except InvalidPhone:
        return False
    with contextlib.suppress(InvalidPhone):  # one kept from before the rule: as written
        stored = normalize_phone(stored)
    return hmac.compare_digest(given.encode(), stored.encode())


def find(number: str, phone: str) -> Progress | None:
    """The caller's view of ticket `number`, or None if there is none or the phone differs.

    A wrong phone and an unknown number answer the same, so the page cannot be used to
    learn whose ticket a number is.
    """
    number = number.strip().upper()
    ticket = (
        Ticket.objects.select_related("department", "parent__department")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        return None
    if ticket.caller_phone:
        if not _same_phone(phone, ticket.caller_phone):
            return None
        verified = True
    else:
        verified = False
    return _progress(ticket, verified)


def _progress(ticket: Ticket, verified: bool) -> Progress:
    view = Progress(ticket, verified, PROGRESS.get(Status(ticket.status), ticket.status))
    if ticket.parent is not None:
        parent_progress = PROGRESS.get(Status(ticket.parent.status), ticket.parent.status)
        view.progress = f"已合并办理，{parent_progress}"
    for event in ticket.events.select_related("department").order_by("at", "id"):
        label = _STEPS.get(event.action)
        if label is None:
            continue
        department = event.department.name if event.department else "承办部门"
        note = event.note if verified and event.action == "caller_informed" else ""
        view.steps.append(Step(event.at, label.format(department=department), note))
    if not verified:
        return view

    # A merged caller is told what the parent's caller is told.
    source = ticket.parent or ticket
    if source.answer:
        view.answer = source.answer
        view.answer_from = source.department.name if source.department else "12345 热线"
    if ticket.answer:  # the act to rate is this caller's own, not a merged parent's
        view.rating_token = _rating_token(ticket)
    return view


def _rating_token(ticket: Ticket) -> str:
    from govsvc.evaluations.models import ServiceAct

    act = ServiceAct.objects.filter(kind="ticket_answered", reference=ticket.number).first()
    return act.token if act is not None else ""
