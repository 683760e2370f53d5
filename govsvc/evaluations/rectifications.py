"""The rectification loop a bad rating (差评) opens. Every change goes through here.

    待核实 opened ─核实→ rectifying ─整改→ rectified ─回访→ closed
       │  ╰立行立改──────────────────↗         ╰办结(匿名差评，无从回访)→ closed
       ╰申诉→ appealed ←申诉─ rectifying
                 ├申诉成立(复核)→ set_aside   (the rating stops counting)
                 ╰申诉不成立→ rectifying
    督办 (escalate): on opened/rectifying past their deadline, to the supervising office.

Deadlines are working days from the day the rating came in (:mod:`.conf`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from govsvc.core import audit
from govsvc.core.workdays import add_workdays
from govsvc.directory.models import Department
from govsvc.evaluations import conf
from govsvc.evaluations.machine import (
    DEPARTMENT_ROLES,
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
from govsvc.evaluations.models import (
    AppealGround,
    EscalationStage,
    Level,
    Rating,
    RatingStatus,
    Rectification,
)
from govsvc.evaluations.models import RectificationStatus as S

DEPT = DEPARTMENT_ROLES
BOTH = DEPARTMENT_ROLES | {SUPERVISOR}

ACTIONS: dict[str, Action] = {
    "verify": Action("核实", (S.OPENED,), S.RECTIFYING, DEPT),
    "fix_now": Action("立行立改", (S.OPENED,), S.RECTIFIED, DEPT),
    "appeal": Action("申诉", (S.OPENED, S.RECTIFYING), S.APPEALED, DEPT),
    "uphold_appeal": Action("申诉成立", (S.APPEALED,), S.SET_ASIDE, frozenset({SUPERVISOR})),
    "reject_appeal": Action("申诉不成立", (S.APPEALED,), S.RECTIFYING, frozenset({SUPERVISOR})),
    "rectify": Action("整改完成", (S.RECTIFYING,), S.RECTIFIED, DEPT),
    "callback": Action("回访", (S.RECTIFIED,), S.CLOSED, BOTH),
    "close": Action("办结", (S.RECTIFIED,), S.CLOSED, BOTH),
    "escalate": Action("督办", (S.OPENED, S.RECTIFYING), None, frozenset({SUPERVISOR})),
}
# Department staff act on their own department's rectifications only.
DEPARTMENT_BOUND = {"verify", "fix_now", "appeal", "rectify", "callback", "close"}


def _describe(rect: Rectification) -> str:
    return f"整改单 {rect.pk} "


def _checker(name: str) -> Callable[[Rectification, Actor], None]:
    action = ACTIONS[name]

    def check(rect: Rectification, actor: Actor) -> None:
        if is_system(actor):
            return
        role = role_of(actor)
        if role not in action.roles:
            raise TransitionError(f"您没有权限对整改单执行“{action.label}”。", "forbidden")
        own = department_id_of(actor) == rect.department_id
        if role != SUPERVISOR and name in DEPARTMENT_BOUND and not own:
            raise TransitionError(
                f"整改单 {rect.pk} 不属于本部门，不能执行“{action.label}”。", "forbidden"
            )

    return check


def allowed_actions(rect: Rectification, actor: Actor) -> list[str]:
    names = []
    for name, action in ACTIONS.items():
        if rect.status not in action.sources:
            continue
        try:
            _checker(name)(rect, actor)
        except TransitionError:
            continue
        names.append(name)
    return names


def _run(rect: Rectification, name: str, actor: Actor, apply: Any = None) -> Rectification:
    return perform(
        rect,
        name,
        ACTIONS[name],
        actor,
        check_actor=_checker(name),
        apply=apply,
        describe=_describe,
    )


def _required(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise TransitionError(f"请填写{what}。", "invalid")
    return value


# --- opening --------------------------------------------------------------------------


def open_for(rating: Rating) -> Rectification:
    """Called by :func:`services.rate` inside its transaction for every bad rating."""
    today = timezone.localdate(rating.created_at)
    rect = Rectification.objects.create(
        rating=rating,
        department=rating.act.department,
        opened_on=today,
        verify_due=add_workdays(today, conf.verify_workdays()),
        rectify_due=add_workdays(today, conf.rectify_workdays()),
    )
    audit.record(
        "evaluations.rectification.opened",
        rect,
        summary=f"差评 {rating.act.reference} 登记整改",
        data={
            "rating": rating.pk,
            "verify_due": str(rect.verify_due),
            "due": str(rect.rectify_due),
        },
    )
    return rect


# --- actions --------------------------------------------------------------------------


def verify(rect: Rectification, actor: Actor, *, finding: str) -> Rectification:
    finding = _required(finding, "核实情况")

    def apply(r: Rectification) -> dict[str, Any]:
        r.finding, r.verified_at = finding, timezone.now()
        return {"finding": finding}

    return _run(rect, "verify", actor, apply)


def fix_now(rect: Rectification, actor: Actor, *, finding: str, measures: str) -> Rectification:
    finding = _required(finding, "核实情况")
    measures = _required(measures, "整改措施")

    def apply(r: Rectification) -> dict[str, Any]:
        r.finding, r.measures = finding, measures
        r.verified_at = r.rectified_at = timezone.now()
        return {"finding": finding, "measures": measures}

    return _run(rect, "fix_now", actor, apply)


def appeal(rect: Rectification, actor: Actor, *, ground: str, reason: str) -> Rectification:
    if ground not in AppealGround.values:
        raise TransitionError("请选择申诉理由类别。", "invalid")
    reason = _required(reason, "申诉理由")

    def apply(r: Rectification) -> dict[str, Any]:
        r.appeal_ground, r.appeal_reason = ground, reason
        return {"ground": ground, "reason": reason}

    return _run(rect, "appeal", actor, apply)


def uphold_appeal(rect: Rectification, actor: Actor, *, note: str) -> Rectification:
    """申诉成立: the rating is set aside (a malicious one always with its reason)."""
    note = _required(note, "复核意见")

    def apply(r: Rectification) -> dict[str, Any]:
        r.review_note = note
        r.reviewed_by = user_of(actor)
        r.closed_at = timezone.now()
        rating = r.rating
        rating.status = RatingStatus.SET_ASIDE
        rating.save(update_fields=["status", "updated_at"])
        audit.record(
            "evaluations.rating.set_aside",
            rating,
            actor=actor,
            summary=f"{rating.act.reference} 差评申诉成立，不计入统计",
            data={"ground": r.appeal_ground, "note": note},
        )
        return {"note": note, "ground": r.appeal_ground}

    return _run(rect, "uphold_appeal", actor, apply)


def reject_appeal(rect: Rectification, actor: Actor, *, note: str) -> Rectification:
    note = _required(note, "复核意见")

    def apply(r: Rectification) -> dict[str, Any]:
        r.review_note = note
        r.reviewed_by = user_of(actor)
        if r.verified_at is None:
            r.verified_at = timezone.now()
        return {"note": note}

    return _run(rect, "reject_appeal", actor, apply)


def rectify(rect: Rectification, actor: Actor, *, measures: str) -> Rectification:
    measures = _required(measures, "整改措施")

    def apply(r: Rectification) -> dict[str, Any]:
        r.measures, r.rectified_at = measures, timezone.now()
        return {"measures": measures}

    return _run(rect, "rectify", actor, apply)


def callback(rect: Rectification, actor: Actor, *, note: str, level: str = "") -> Rectification:
    """回访: the person is told what was done and asked again (``level``, may be declined)."""
    note = _required(note, "回访情况")
    if level and level not in Level.values:
        raise TransitionError("回访再评价等级无效。", "invalid")

    def apply(r: Rectification) -> dict[str, Any]:
        r.callback_note, r.callback_level = note, level
        r.called_back_at = r.closed_at = timezone.now()
        return {"note": note, "level": level}

    return _run(rect, "callback", actor, apply)


def close(rect: Rectification, actor: Actor, *, note: str = "") -> Rectification:
    """Close without a callback: only an anonymous rating, which nobody can be called about."""

    def apply(r: Rectification) -> dict[str, Any]:
        if r.rating.is_named:
            raise TransitionError("实名差评须回访办事人后方可办结。", "callback_required")
        r.closed_at = timezone.now()
        return {"note": note.strip()}

    return _run(rect, "close", actor, apply)


def escalate(
    rect: Rectification, actor: Actor = None, *, stage: str = "", today: dt.date | None = None
) -> Rectification:
    """督办 to the supervising office, once per stage: calling again changes nothing."""
    office = supervising_office()

    def apply(r: Rectification) -> dict[str, Any] | None:
        wanted = stage or (
            EscalationStage.VERIFY if r.status == S.OPENED else EscalationStage.RECTIFY
        )
        done = {r.escalation_stage}
        if r.escalation_stage == EscalationStage.RECTIFY:
            done.add(EscalationStage.VERIFY)
        if wanted in done:
            return None
        r.escalation_stage, r.escalated_to, r.escalated_at = wanted, office, timezone.now()
        return {"stage": wanted, "to": office.pk if office else None, "today": str(today or "")}

    return _run(rect, "escalate", actor, apply)


def supervising_office() -> Department | None:
    key = conf.supervising_department()
    return (
        Department.objects.filter(short_name=key).first()
        or Department.objects.filter(code=key).first()
    )


# --- lookup -------------------------------------------------------------------------


def visible_to(user: Any) -> QuerySet[Rectification]:
    rects = Rectification.objects.select_related("rating__act", "department")
    if user.is_superuser or role_of(user) == SUPERVISOR:
        return rects
    department_id = department_id_of(user)
    return rects.filter(department_id=department_id) if department_id else rects.none()


# Actions by name, with their inputs from a form or API body (pages and API share them).
CALLS: dict[str, Callable[[Rectification, Actor, dict[str, Any]], Rectification]] = {
    "verify": lambda r, u, d: verify(r, u, finding=d.get("finding", "")),
    "fix_now": lambda r, u, d: fix_now(
        r, u, finding=d.get("finding", ""), measures=d.get("measures", "")
    ),
    "appeal": lambda r, u, d: appeal(r, u, ground=d.get("ground", ""), reason=d.get("reason", "")),
    "uphold_appeal": lambda r, u, d: uphold_appeal(r, u, note=d.get("note", "")),
    "reject_appeal": lambda r, u, d: reject_appeal(r, u, note=d.get("note", "")),
    "rectify": lambda r, u, d: rectify(r, u, measures=d.get("measures", "")),
    "callback": lambda r, u, d: callback(r, u, note=d.get("note", ""), level=d.get("level", "")),
    "close": lambda r, u, d: close(r, u, note=d.get("note", "")),
    "escalate": lambda r, u, d: escalate(r, u),
}


# --- deadlines ------------------------------------------------------------------------


def overdue(rect: Rectification, today: dt.date) -> str:
    """The stage whose deadline has passed on ``today`` ('' if none)."""
    if rect.status in (S.OPENED, S.RECTIFYING) and today > rect.rectify_due:
        return EscalationStage.RECTIFY
    if rect.status == S.OPENED and today > rect.verify_due:
        return EscalationStage.VERIFY
    return ""
