"""办不成事: a matter that failed anywhere, coordinated to a result within a time limit.

已登记 opened ─指派协调人→ coordinating ─办结→ closed
    │                      ╰协同部门 (pull departments in; state unchanged)
    ╰─────提级督办 (overdue, or by a supervisor)→ escalated ─指派/办结→
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from govsvc.catalog.models import ServiceItem
from govsvc.core import audit
from govsvc.core.phones import InvalidPhone, normalize_phone
from govsvc.core.workdays import add_workdays
from govsvc.directory.models import Department
from govsvc.evaluations import conf
from govsvc.evaluations.machine import (
    SUPERVISOR,
    Action,
    Actor,
    TransitionError,
    department_id_of,
    is_system,
    perform,
    role_of,
    user_of,
)
from govsvc.evaluations.models import DeskOutcome, DeskRequest
from govsvc.evaluations.models import DeskStatus as S

COORDINATOR = "coordinator"  # not a staff role: the user assigned to this request

ACTIONS: dict[str, Action] = {
    "assign": Action(
        "指派协调人", (S.OPENED, S.ESCALATED), S.COORDINATING, frozenset({SUPERVISOR})
    ),
    "involve": Action(
        "协同部门", (S.COORDINATING, S.ESCALATED), None, frozenset({SUPERVISOR, COORDINATOR})
    ),
    "close": Action(
        "办结", (S.COORDINATING, S.ESCALATED), S.CLOSED, frozenset({SUPERVISOR, COORDINATOR})
    ),
    "escalate": Action(
        "提级督办", (S.OPENED, S.COORDINATING), S.ESCALATED, frozenset({SUPERVISOR})
    ),
}


def _describe(req: DeskRequest) -> str:
    return f"办不成事反映 {req.number} "


def _checker(name: str) -> Callable[[DeskRequest, Actor], None]:
    action = ACTIONS[name]

    def check(req: DeskRequest, actor: Actor) -> None:
        if is_system(actor):
            return
        role = role_of(actor)
        is_coordinator = actor is not None and req.coordinator_id == actor.pk
        if role in action.roles or (COORDINATOR in action.roles and is_coordinator):
            return
        raise TransitionError(f"您没有权限对该反映执行“{action.label}”。", "forbidden")

    return check


def allowed_actions(req: DeskRequest, actor: Actor) -> list[str]:
    names = []
    for name, action in ACTIONS.items():
        if req.status not in action.sources:
            continue
        try:
            _checker(name)(req, actor)
        except TransitionError:
            continue
        names.append(name)
    return names


def _run(req: DeskRequest, name: str, actor: Actor, apply: Any = None) -> DeskRequest:
    return perform(
        req, name, ACTIONS[name], actor, check_actor=_checker(name), apply=apply, describe=_describe
    )


def visible_requests(user: Any) -> QuerySet[DeskRequest]:
    """Supervisors see every request; other staff those they coordinate or are pulled into."""
    requests = DeskRequest.objects.all()
    if user.is_superuser or role_of(user) == SUPERVISOR:
        return requests
    mine = Q(coordinator_id=user.pk)
    department_id = department_id_of(user)
    if department_id:
        mine |= Q(departments__id=department_id) | Q(failed_department_id=department_id)
    return requests.filter(pk__in=DeskRequest.objects.filter(mine).values("pk"))


def _number(today: dt.date) -> str:
    return f"BBC{today:%Y%m%d}{secrets.randbelow(10**6):06d}"


def open_request(
    *,
    title: str,
    description: str,
    contact_name: str,
    contact_phone: str,
    person: Actor = None,
    failed_department: Department | None = None,
    item: ServiceItem | None = None,
    reference: str = "",
) -> DeskRequest:
    missing = [
        label
        for label, value in (("事由", title), ("情况说明", description), ("联系人", contact_name))
        if not value.strip()
    ]
    if missing:
        raise TransitionError(f"请填写{'、'.join(missing)}。", "invalid")
    try:
        phone = normalize_phone(contact_phone)
    except InvalidPhone as exc:
        raise TransitionError(str(exc), "invalid") from exc

    today = timezone.localdate()
    with transaction.atomic():
        req = DeskRequest.objects.create(
            number=_number(today),
            title=title.strip()[:200],
            description=description.strip(),
            contact_name=contact_name.strip(),
            contact_phone=phone,
            person=user_of(person),
            failed_department=failed_department,
            item=item,
            reference=reference.strip(),
            opened_on=today,
            due=add_workdays(today, conf.desk_workdays()),
        )
        audit.record(
            "evaluations.deskrequest.opened",
            req,
            actor=person,
            summary=f"{req.number} 办不成事反映登记",
            data={"due": str(req.due)},
        )
    return req


def assign(req: DeskRequest, actor: Actor, *, coordinator_id: int) -> DeskRequest:
    coordinator = get_user_model().objects.filter(pk=coordinator_id, is_active=True).first()
    if coordinator is None or getattr(coordinator, "staff_profile", None) is None:
        raise TransitionError("协调人必须是在岗工作人员。", "invalid")

    def apply(r: DeskRequest) -> dict[str, Any]:
        r.coordinator = coordinator
        return {"coordinator": coordinator.pk}

    return _run(req, "assign", actor, apply)


def involve(req: DeskRequest, actor: Actor, *, department_ids: Iterable[int]) -> DeskRequest:
    departments = list(Department.objects.filter(pk__in=list(department_ids)))
    if not departments:
        raise TransitionError("请选择需要协同的部门。", "invalid")

    def apply(r: DeskRequest) -> dict[str, Any]:
        r.departments.add(*departments)
        return {"departments": [d.pk for d in departments]}

    return _run(req, "involve", actor, apply)


def close(req: DeskRequest, actor: Actor, *, outcome: str, result: str) -> DeskRequest:
    if outcome not in DeskOutcome.values:
        raise TransitionError("请选择办理结果。", "invalid")
    if not result.strip():
        raise TransitionError("请填写结果说明。", "invalid")

    def apply(r: DeskRequest) -> dict[str, Any]:
        r.outcome, r.result, r.closed_at = outcome, result.strip(), timezone.now()
        return {"outcome": outcome}

    return _run(req, "close", actor, apply)


def escalate(req: DeskRequest, actor: Actor = None) -> DeskRequest:
    def apply(r: DeskRequest) -> dict[str, Any]:
        r.escalated_at = timezone.now()
        return {"due": str(r.due)}

    return _run(req, "escalate", actor, apply)


# Actions by name, with their inputs from a form or API body (pages and API share them).
CALLS: dict[str, Callable[[DeskRequest, Actor, dict[str, Any]], DeskRequest]] = {
    "assign": lambda r, u, d: assign(r, u, coordinator_id=d.get("coordinator") or 0),
    "involve": lambda r, u, d: involve(r, u, department_ids=d.get("departments", [])),
    "close": lambda r, u, d: close(r, u, outcome=d.get("outcome", ""), result=d.get("result", "")),
    "escalate": lambda r, u, d: escalate(r, u),
}
