"""The closed loop of a ticket: every change of a ticket goes through this module.

Each action runs in one transaction that locks the ticket, checks the state and the
actor's role, applies the change, writes a TicketEvent row and an audit record. A wrong
action raises TransitionError with a Chinese message fit to show the user.

    受理 received ─派单→ dispatched ─签收→ processing ─答复→ answered ─办结→ closed
      │                 │  ╰退单→ returned ─改派→ dispatched             ─回访→ visited
      │                 ╰异议→ objected ─维持/改派→ dispatched           ─评价→ evaluated
      ├直接办结→ closed        processing: 延期申请/审批; 督办 on open tickets
      ├并单→ merged (child of a parent ticket)
      ╰转紧急热线→ transferred (110/119/120/122)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from govsvc.core import audit
from govsvc.directory.models import Department, Region
from govsvc.hotline import attachments as attachment_rules
from govsvc.hotline import notify, routing, timelimits
from govsvc.hotline.models import (
    Attachment,
    Category,
    Channel,
    ClassifierFeedback,
    EmergencyLine,
    Kind,
    Satisfaction,
    Status,
    Ticket,
    TicketEvent,
    Urgency,
)

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | None

AGENT = "hotline_agent"
OFFICER = "department_officer"
SUPERVISOR = "supervisor"


class TransitionError(Exception):
    """An action the ticket's state, the actor or the input does not allow."""

    def __init__(self, message: str, code: str = "invalid_transition"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Action:
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the status does not change
    roles: frozenset[str] = field(default_factory=frozenset)
    # Department officers may act only on tickets dispatched to their own department.
    department_bound: bool = False


S = Status
ACTIONS: dict[str, Action] = {
    "dispatch": Action("派单", (S.RECEIVED,), S.DISPATCHED, frozenset({AGENT})),
    "accept": Action("签收", (S.DISPATCHED,), S.PROCESSING, frozenset({OFFICER}), True),
    "return": Action("退单", (S.DISPATCHED, S.PROCESSING), S.RETURNED, frozenset({OFFICER}), True),
    "object": Action("派单异议", (S.DISPATCHED,), S.OBJECTED, frozenset({OFFICER}), True),
    "uphold": Action("维持原派单", (S.OBJECTED,), S.DISPATCHED, frozenset({AGENT, SUPERVISOR})),
    "redispatch": Action(
        "改派",
        (S.DISPATCHED, S.RETURNED, S.OBJECTED),
        S.DISPATCHED,
        frozenset({AGENT, SUPERVISOR}),
    ),
    "request_extension": Action("申请延期", (S.PROCESSING,), None, frozenset({OFFICER}), True),
    "approve_extension": Action("批准延期", (S.PROCESSING,), None, frozenset({SUPERVISOR})),
    "reject_extension": Action("驳回延期", (S.PROCESSING,), None, frozenset({SUPERVISOR})),
    "answer": Action("答复", (S.PROCESSING,), S.ANSWERED, frozenset({OFFICER}), True),
    "supervise": Action(
        "督办",
        (S.DISPATCHED, S.PROCESSING, S.ANSWERED),
        None,
        frozenset({AGENT, SUPERVISOR}),
    ),
    "close": Action("办结", (S.ANSWERED,), S.CLOSED, frozenset({AGENT, SUPERVISOR})),
    "direct_close": Action("直接办结", (S.RECEIVED,), S.CLOSED, frozenset({AGENT})),
    "callback": Action("回访", (S.CLOSED,), S.VISITED, frozenset({AGENT})),
    "evaluate": Action("评价", (S.CLOSED, S.VISITED), S.EVALUATED, frozenset({AGENT})),
    "merge": Action(
        "并单",
        (S.RECEIVED, S.DISPATCHED, S.PROCESSING, S.RETURNED, S.OBJECTED),
        S.MERGED,
        frozenset({AGENT, SUPERVISOR}),
    ),
    "transfer_emergency": Action(
        "转紧急热线", (S.RECEIVED, S.DISPATCHED), S.TRANSFERRED, frozenset({AGENT})
    ),
}


# The loop's usual next step from each status, offered first on the ticket page.
NEXT_STEP: dict[str, str] = {
    S.RECEIVED: "dispatch",
    S.DISPATCHED: "accept",
    S.PROCESSING: "answer",
    S.ANSWERED: "close",
    S.RETURNED: "redispatch",
    S.OBJECTED: "uphold",
    S.CLOSED: "callback",
    S.VISITED: "evaluate",
}

# Timeline entries that are not an action of ACTIONS.
_EVENT_LABELS = {
    "receive": "受理",
    "merge_child": "并入工单",
    "caller_informed": "告知来电人",
    "remind": "到期提醒",
}


def event_label(name: str) -> str:
    """The Chinese name of a timeline entry's action (the code itself if unknown)."""
    action = ACTIONS.get(name)
    return action.label if action is not None else _EVENT_LABELS.get(name, name)


def status_label(code: str) -> str:
    return Status(code).label if code in Status.values else code


# --- permission -----------------------------------------------------------------------


def role_of(actor: Actor) -> str | None:
    if actor is None or not actor.is_authenticated:
        return None
    profile = getattr(actor, "staff_profile", None)
    return profile.role if profile is not None else None


STAFF_ROLES = frozenset({AGENT, OFFICER, SUPERVISOR})


def is_hotline_staff(actor: Actor) -> bool:
    """May see tickets: hotline agents and supervisors, department officers, superusers."""
    if actor is None or not actor.is_authenticated:
        return False
    return bool(getattr(actor, "is_superuser", False)) or role_of(actor) in STAFF_ROLES


def takes_calls(actor: Actor) -> bool:
    """May enter calls (来电录入): hotline agents and superusers."""
    if actor is None or not actor.is_authenticated:
        return False
    return bool(getattr(actor, "is_superuser", False)) or role_of(actor) == AGENT


def _department_id_of(actor: Actor) -> int | None:
    profile = getattr(actor, "staff_profile", None)
    return profile.department_id if profile is not None else None


def _check_actor(ticket: Ticket, action: Action, actor: Actor) -> None:
    """``None`` is the system itself (hotline_tick, imports); it may do anything."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    role = role_of(actor)
    if role not in action.roles:
        raise TransitionError(f"您没有权限对工单执行“{action.label}”。", "forbidden")
    own = ticket.department_id is not None and ticket.department_id == _department_id_of(actor)
    if action.department_bound and role == OFFICER and not own:
        raise TransitionError(
            f"工单 {ticket.number} 不在本部门办理，不能执行“{action.label}”。", "forbidden"
        )


def allowed_actions(ticket: Ticket, actor: Actor) -> list[str]:
    names = []
    for name, action in ACTIONS.items():
        if ticket.status not in action.sources:
            continue
        try:
            _check_actor(ticket, action, actor)
        except TransitionError:
            continue
        names.append(name)
    return names


# --- the one place a ticket changes -------------------------------------------------


def _perform(
    ticket: Ticket,
    name: str,
    actor: Actor,
    apply: Callable[[Ticket], dict[str, Any]] | None = None,
    *,
    note: str = "",
) -> Ticket:
    action = ACTIONS[name]
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status not in action.sources:
            raise TransitionError(
                f"工单 {locked.number} 当前状态为“{locked.get_status_display()}”，"
                f"不能执行“{action.label}”。"
            )
        _check_actor(locked, action, actor)

        before = locked.status
        data = apply(locked) if apply is not None else {}
        if action.target is not None:
            locked.status = action.target
        locked.save()
        _event(locked, name, before, actor, note=note, data=data)
        audit.record(
            f"hotline.ticket.{name}",
            locked,
            actor=actor,
            summary=f"{locked.number} {action.label}",
            data={"from": before, "to": locked.status, **data},
        )
    logger.info("ticket_%s ticket_id=%s from=%s to=%s", name, locked.pk, before, locked.status)
    ticket.refresh_from_db()
    return ticket


def _event(
    ticket: Ticket,
    name: str,
    before: str,
    actor: Actor,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    user: Any = actor if actor is not None and actor.is_authenticated else None
    return TicketEvent.objects.create(
        ticket=ticket,
        action=name,
        from_status=before,
        to_status=ticket.status,
        actor=user,
        department=ticket.department,
        note=note,
        data=data or {},
    )


def _require(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise TransitionError(f"请填写{what}。", "missing_field")
    return text


# --- intake ---------------------------------------------------------------------------------


@dataclass
class Intake:
    content: str
    kind: str = Kind.CONSULT
    channel: str = Channel.PHONE
    urgency: str = Urgency.NORMAL
    confidential: bool = False
    title: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    caller_id_number: str = ""
    caller_email: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    region: Region | None = None
    emergency_line: str = ""
    # Uploaded files (photos, PDF); checked by attachments.problem before anything is saved.
    attachments: list[Any] = field(default_factory=list)


def receive(intake: Intake, *, actor: Actor = None) -> Ticket:
    """受理: create the ticket and attach the classifier's proposal."""
    content = _require(intake.content, "诉求内容")
    if intake.kind not in Kind.values:
        raise TransitionError("诉求类型无效。", "invalid_field")
    if intake.urgency not in Urgency.values:
        raise TransitionError("紧急程度无效。", "invalid_field")
    if intake.emergency_line and intake.emergency_line not in EmergencyLine.values:
        raise TransitionError("紧急热线只能是 110、119、120 或 122。", "invalid_field")
    if len(intake.attachments) > attachment_rules.MAX_FILES:
        raise TransitionError(f"附件最多 {attachment_rules.MAX_FILES} 个。", "invalid_field")
    for upload in intake.attachments:
        problem = attachment_rules.problem(upload)
        if problem:
            raise TransitionError(problem, "invalid_field")
    proposal = routing.propose(content, intake.region)

    user: Any = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        ticket = Ticket.objects.create(
            channel=intake.channel,
            kind=intake.kind,
            urgency=intake.urgency,
            confidential=intake.confidential,
            emergency_line=intake.emergency_line,
            title=intake.title.strip()[:120],
            content=content,
            caller_name=intake.caller_name.strip(),
            caller_phone=intake.caller_phone.strip(),
            caller_id_number=intake.caller_id_number.strip(),
            caller_email=intake.caller_email.strip(),
            address=intake.address.strip(),
            latitude=intake.latitude,
            longitude=intake.longitude,
            region=intake.region,
            proposed_category=proposal.category,
            proposed_department=proposal.department,
            proposal_confidence=proposal.confidence,
            seat=proposal.category.seat if proposal.category else "",
            created_by=user,
        )
        for upload in intake.attachments:
            Attachment.objects.create(ticket=ticket, file=upload, name=upload.name[:255])
        data = {
            "channel": ticket.channel,
            "proposed_category": proposal.label,
            "confidence": proposal.confidence,
            "attachments": len(intake.attachments),
        }
        _event(ticket, "receive", "", actor, data=data)
        audit.record(
            "hotline.ticket.receive",
            ticket,
            actor=actor,
            summary=f"{ticket.number} 受理",
            data=data,
        )
        notify.received(ticket)
    logger.info("ticket_received ticket_id=%s channel=%s", ticket.pk, ticket.channel)
    if ticket.street_id is not None:
        street_id = ticket.street_id
        transaction.on_commit(lambda: _watch_street(street_id))
    return ticket


def _watch_street(street_id: int) -> None:
    """Look for a burst in the caller's street at once, not only at the next tick."""
    from govsvc.hotline import analysis

    try:
        analysis.detect_bursts(street_id=street_id)
    except Exception:  # detection is an aid; intake has already succeeded
        logger.exception("hotline_burst_check_failed street_id=%s", street_id)


# --- dispatch, return, objection ------------------------------------------------------


def _keep_feedback(ticket: Ticket, category: Category) -> None:
    proposed = ticket.proposed_category.code if ticket.proposed_category else ""
    ClassifierFeedback.objects.update_or_create(
        ticket=ticket,
        defaults={
            "text": ticket.content,
            "proposed": proposed,
            "chosen": category.code,
            "confidence": ticket.proposal_confidence,
            "corrected": proposed != category.code,
        },
    )


def _start_clock(ticket: Ticket) -> None:
    now = timezone.now()
    ticket.dispatched_at = now
    limit = timelimits.limit_for(ticket.kind, ticket.urgency)
    ticket.deadline = timelimits.deadline_after(now, limit)
    ticket.reminded_at = None
    ticket.overdue_at = None


def dispatch(
    ticket: Ticket,
    *,
    actor: Actor,
    category: Category | None = None,
    department: Department | None = None,
    note: str = "",
) -> Ticket:
    """派单: the agent confirms or corrects the proposal; the choice is kept for training."""

    def apply(t: Ticket) -> dict[str, Any]:
        chosen = category or t.category or t.proposed_category
        if chosen is None:
            raise TransitionError("请选择诉求分类后再派单。", "missing_field")
        target = department or routing.department_for(chosen, t.region) or t.proposed_department
        if target is None:
            raise TransitionError(
                f"派单目录中没有“{chosen.name}”在该区域的承办部门，请手工选择部门。",
                "missing_field",
            )
        t.category, t.department, t.seat = chosen, target, chosen.seat
        t.return_reason = ""
        _start_clock(t)
        _keep_feedback(t, chosen)
        return {"category": chosen.code, "department": target.code}

    return _perform(ticket, "dispatch", actor, apply, note=note)


def accept(ticket: Ticket, *, actor: Actor) -> Ticket:
    return _perform(ticket, "accept", actor)


def return_ticket(ticket: Ticket, *, actor: Actor, reason: str) -> Ticket:
    """退单: the department says the dispatch was wrong; the center re-dispatches."""
    reason = _require(reason, "退单理由")

    def apply(t: Ticket) -> dict[str, Any]:
        returned_by = t.department.code if t.department else ""
        t.return_reason = reason[:255]
        return {"returned_by": returned_by}

    return _perform(ticket, "return", actor, apply, note=reason)


def object_to_dispatch(ticket: Ticket, *, actor: Actor, reason: str) -> Ticket:
    """派单异议: the department disputes the dispatch and awaits the center's ruling."""
    reason = _require(reason, "异议理由")

    def apply(t: Ticket) -> dict[str, Any]:
        t.return_reason = reason[:255]
        return {}

    return _perform(ticket, "object", actor, apply, note=reason)


def uphold_dispatch(ticket: Ticket, *, actor: Actor, note: str = "") -> Ticket:
    def apply(t: Ticket) -> dict[str, Any]:
        t.return_reason = ""
        return {}

    return _perform(ticket, "uphold", actor, apply, note=note)


def redispatch(
    ticket: Ticket,
    *,
    actor: Actor,
    department: Department,
    category: Category | None = None,
    note: str = "",
) -> Ticket:
    """改派: to another department; the time limit starts again."""

    def apply(t: Ticket) -> dict[str, Any]:
        if department is None:
            raise TransitionError("请选择改派的承办部门。", "missing_field")
        if t.department_id == department.pk:
            raise TransitionError("改派的部门与原承办部门相同，请选择其他部门。", "invalid_field")
        previous = t.department.code if t.department else ""
        if category is not None:
            t.category, t.seat = category, category.seat
            _keep_feedback(t, category)
        t.department = department
        t.return_reason = ""
        _start_clock(t)
        return {"from_department": previous, "department": department.code}

    return _perform(ticket, "redispatch", actor, apply, note=note)


# --- handling -------------------------------------------------------------------------------


def request_extension(ticket: Ticket, *, actor: Actor, workdays: int, reason: str) -> Ticket:
    reason = _require(reason, "延期理由")

    def apply(t: Ticket) -> dict[str, Any]:
        if t.extension_pending:
            raise TransitionError("已有延期申请待审批，不能重复申请。", "conflict")
        if not 1 <= workdays <= 30:
            raise TransitionError("延期天数须在 1 到 30 个工作日之间。", "invalid_field")
        t.extension_pending, t.extension_workdays = True, workdays
        t.extension_reason = reason[:255]
        return {"workdays": workdays}

    return _perform(ticket, "request_extension", actor, apply, note=reason)


def approve_extension(ticket: Ticket, *, actor: Actor, note: str = "") -> Ticket:
    def apply(t: Ticket) -> dict[str, Any]:
        if not t.extension_pending:
            raise TransitionError("该工单没有待审批的延期申请。", "conflict")
        old = t.deadline or timezone.now()
        t.deadline = timelimits.extend(old, t.extension_workdays)
        t.extension_pending = False
        t.reminded_at = None
        t.overdue_at = None
        return {"workdays": t.extension_workdays, "deadline": t.deadline.isoformat()}

    return _perform(ticket, "approve_extension", actor, apply, note=note)


def reject_extension(ticket: Ticket, *, actor: Actor, note: str = "") -> Ticket:
    def apply(t: Ticket) -> dict[str, Any]:
        if not t.extension_pending:
            raise TransitionError("该工单没有待审批的延期申请。", "conflict")
        t.extension_pending = False
        return {}

    return _perform(ticket, "reject_extension", actor, apply, note=note)


def answer(ticket: Ticket, *, actor: Actor, text: str, resolved: bool = True) -> Ticket:
    """答复: the department's reply to the caller; merged callers are told too."""
    text = _require(text, "答复内容")

    def apply(t: Ticket) -> dict[str, Any]:
        t.answer, t.resolved, t.answered_at = text, resolved, timezone.now()
        t.extension_pending = False
        _inform_merged(t, "答复", text)
        _offer_rating(t, actor)
        return {"resolved": resolved}

    return _perform(ticket, "answer", actor, apply)


def _offer_rating(t: Ticket, actor: Actor) -> None:
    """The answer is a service act the caller may rate once (好差评, 一事一评)."""
    from govsvc.evaluations.services import record_act

    department = t.department or Department.objects.filter(short_name="市政务服务局").first()
    notify.answered(t, invite=department is not None)
    if department is None:
        return
    record_act(
        kind="ticket_answered",
        reference=t.number,
        department=department,
        staff=actor if getattr(actor, "is_authenticated", False) else None,
        person_name=t.caller_name,
        phone=t.caller_phone,
    )


def supervise(ticket: Ticket, *, actor: Actor, note: str) -> Ticket:
    """督办: pressure on the department; an answer found wanting goes back to processing."""
    note = _require(note, "督办意见")

    def apply(t: Ticket) -> dict[str, Any]:
        t.supervision_count += 1
        reopened = t.status == S.ANSWERED
        if reopened:
            t.status = S.PROCESSING
        return {"count": t.supervision_count, "reopened": reopened}

    return _perform(ticket, "supervise", actor, apply, note=note)


def _mark_closed(t: Ticket) -> None:
    now = timezone.now()
    t.closed_at = now
    t.on_time = t.deadline is None or now <= t.deadline


def close(ticket: Ticket, *, actor: Actor, note: str = "") -> Ticket:
    """办结: the center accepts the department's answer."""

    def apply(t: Ticket) -> dict[str, Any]:
        _mark_closed(t)
        _inform_merged(t, "办结", t.answer)
        return {"on_time": t.on_time}

    return _perform(ticket, "close", actor, apply, note=note)


def direct_close(ticket: Ticket, *, actor: Actor, text: str) -> Ticket:
    """直接办结: the agent answers at once from the knowledge base."""
    text = _require(text, "答复内容")

    def apply(t: Ticket) -> dict[str, Any]:
        t.answer, t.resolved = text, True
        t.answered_at = timezone.now()
        _mark_closed(t)
        _offer_rating(t, actor)
        return {}

    return _perform(ticket, "direct_close", actor, apply)


def callback(ticket: Ticket, *, actor: Actor, note: str, resolved: bool | None = None) -> Ticket:
    note = _require(note, "回访记录")

    def apply(t: Ticket) -> dict[str, Any]:
        t.callback_note, t.visited_at = note[:255], timezone.now()
        if resolved is not None:
            t.resolved = resolved
        return {"resolved": t.resolved}

    return _perform(ticket, "callback", actor, apply, note=note)


def evaluate(ticket: Ticket, *, actor: Actor, satisfaction: str, note: str = "") -> Ticket:
    if satisfaction not in Satisfaction.values:
        raise TransitionError("评价只能是满意、基本满意或不满意。", "invalid_field")

    def apply(t: Ticket) -> dict[str, Any]:
        t.satisfaction, t.evaluated_at = satisfaction, timezone.now()
        return {"satisfaction": satisfaction}

    return _perform(ticket, "evaluate", actor, apply, note=note)


# --- merge and emergencies ------------------------------------------------------------


def merge(ticket: Ticket, *, into: Ticket, actor: Actor, note: str = "") -> Ticket:
    """并单: a duplicate joins its parent; its caller hears what the parent's caller hears."""

    def apply(t: Ticket) -> dict[str, Any]:
        parent = Ticket.objects.select_for_update().get(pk=into.pk)
        if parent.pk == t.pk:
            raise TransitionError("不能把工单并入它自己。", "invalid_field")
        if parent.status in (S.MERGED, S.TRANSFERRED):
            raise TransitionError(
                f"主工单 {parent.number} 状态为“{parent.get_status_display()}”，不能作为并单对象。",
                "invalid_field",
            )
        t.parent = parent
        _event(parent, "merge_child", parent.status, actor, note=t.number)
        _event(
            t,
            "caller_informed",
            t.status,
            None,
            note=f"您反映的问题已与工单 {parent.number} 合并办理，办理结果将同时告知您。",
            data={"parent": parent.number, "stage": "并单"},
        )
        return {"parent": parent.number}

    return _perform(ticket, "merge", actor, apply, note=note)


def _inform_merged(parent: Ticket, stage: str, text: str) -> None:
    """Tell every merged caller: an event on their ticket and an SMS after commit."""
    for child in parent.merged_children.all():
        note = f"主工单 {parent.number} 已{stage}：{text}"
        _event(
            child,
            "caller_informed",
            child.status,
            None,
            note=note,
            data={"parent": parent.number, "stage": stage},
        )
        notify.merged_step(child, note)


def transfer_emergency(ticket: Ticket, *, actor: Actor, line: str, note: str = "") -> Ticket:
    if line not in EmergencyLine.values:
        raise TransitionError("紧急热线只能是 110、119、120 或 122。", "invalid_field")

    def apply(t: Ticket) -> dict[str, Any]:
        t.emergency_line = line
        return {"line": line}

    return _perform(ticket, "transfer_emergency", actor, apply, note=note)
