"""The periodic pass over deadlines; safe to run as often as wanted (idempotent)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from govsvc.evaluations import desk, rectifications
from govsvc.evaluations.models import DeskRequest, DeskStatus, Rectification, RectificationStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickResult:
    rectifications_escalated: int
    desk_escalated: int


def run(today: dt.date | None = None) -> TickResult:
    today = today or timezone.localdate()

    escalated = 0
    open_states = (RectificationStatus.OPENED, RectificationStatus.RECTIFYING)
    for rect in Rectification.objects.filter(status__in=open_states).select_related("rating"):
        stage = rectifications.overdue(rect, today)
        if stage:
            before = rect.escalation_stage
            after = rectifications.escalate(rect, None, stage=stage, today=today)
            escalated += int(after.escalation_stage != before)

    desk_escalated = 0
    waiting = (DeskStatus.OPENED, DeskStatus.COORDINATING)
    for req in DeskRequest.objects.filter(status__in=waiting, due__lt=today):
        desk.escalate(req, None)
        desk_escalated += 1

    logger.info(
        "evaluations_tick today=%s rectifications_escalated=%s desk_escalated=%s",
        today,
        escalated,
        desk_escalated,
    )
    return TickResult(escalated, desk_escalated)
