"""hotline_tick: reminders before each time limit, 督办 after it, burst detection, caller SMS
the gateway refused before.

Run every few minutes (cron, Celery beat, or ``manage.py hotline_tick``). Each step is
idempotent: a conditional update claims a ticket before its event is written, so two
ticks running at once never remind or supervise the same ticket twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from govsvc.core import audit
from govsvc.hotline import notify, timelimits
from govsvc.hotline.models import Status, Ticket, TicketEvent

logger = logging.getLogger(__name__)

RUNNING = [Status.DISPATCHED, Status.PROCESSING]


@dataclass
class TickReport:
    reminded: list[str] = field(default_factory=list)
    supervised: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    messages_resent: int = 0


def _record(ticket: Ticket, action: str, note: str, data: dict) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        from_status=ticket.status,
        to_status=ticket.status,
        department=ticket.department,
        note=note,
        data=data,
    )
    audit.record(f"hotline.ticket.{action}", ticket, summary=f"{ticket.number} {note}", data=data)


def send_reminders(now: dt.datetime) -> list[str]:
    numbers = []
    candidates = Ticket.objects.filter(
        status__in=RUNNING, reminded_at__isnull=True, deadline__isnull=False
    ).select_related("department")
    for ticket in candidates.iterator():
        assert ticket.deadline is not None
        limit = timelimits.limit_for(ticket.kind, ticket.urgency)
        if now < timelimits.remind_at(ticket.deadline, limit) or now >= ticket.deadline:
            continue
        with transaction.atomic():
            claimed = Ticket.objects.filter(pk=ticket.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            due = timezone.localtime(ticket.deadline).strftime("%Y-%m-%d %H:%M")
            _record(ticket, "remind", f"即将到期，办理时限 {due}", {"deadline": due})
        numbers.append(ticket.number)
        logger.info("ticket_reminded ticket_id=%s", ticket.pk)
    return numbers


def supervise_overdue(now: dt.datetime) -> list[str]:
    numbers = []
    overdue = Ticket.objects.filter(
        status__in=RUNNING, overdue_at__isnull=True, deadline__lt=now
    ).select_related("department")
    for ticket in overdue.iterator():
        with transaction.atomic():
            claimed = Ticket.objects.filter(pk=ticket.pk, overdue_at__isnull=True).update(
                overdue_at=now, supervision_count=ticket.supervision_count + 1
            )
            if not claimed:
                continue
            _record(ticket, "supervise", "超过办理时限，系统自动督办", {"automatic": True})
        numbers.append(ticket.number)
        logger.info("ticket_overdue_supervised ticket_id=%s", ticket.pk)
    return numbers


def run_tick(now: dt.datetime | None = None, *, detect: bool = True) -> TickReport:
    now = now or timezone.now()
    report = TickReport(send_reminders(now), supervise_overdue(now))
    report.messages_resent = notify.retry_unsent(now)
    if detect:
        from govsvc.hotline import analysis

        raised = analysis.detect_bursts(now) + analysis.raise_seasonal_alerts(now)
        report.alerts = [a.title for a in raised]
    return report
