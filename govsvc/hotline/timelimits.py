"""办理时限: hours for urgent tickets, Chinese working days for the rest.

An administrator may override any pair of type and urgency with a TimeLimitRule; the
defaults below follow common 12345 practice (consultations answered fastest,
suggestions given the longest).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from govsvc.core.workdays import add_workdays
from govsvc.hotline.models import Kind, LimitUnit, TimeLimitRule, Urgency


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str
    remind_before_hours: int


_WORKDAYS_BY_KIND = {
    Kind.CONSULT: 1,
    Kind.HELP: 3,
    Kind.COMPLAINT: 5,
    Kind.REPORT: 5,
    Kind.SUGGESTION: 10,
    Kind.PRAISE: 3,
}

DEFAULTS: dict[tuple[str, str], Limit] = {}
for _kind in Kind:
    DEFAULTS[(_kind, Urgency.NORMAL)] = Limit(_WORKDAYS_BY_KIND[_kind], LimitUnit.WORKDAYS, 24)
    DEFAULTS[(_kind, Urgency.URGENT)] = Limit(24, LimitUnit.HOURS, 4)
    DEFAULTS[(_kind, Urgency.CRITICAL)] = Limit(2, LimitUnit.HOURS, 1)


def limit_for(kind: str, urgency: str) -> Limit:
    rule = TimeLimitRule.objects.filter(kind=kind, urgency=urgency).first()
    if rule is not None:
        return Limit(rule.amount, rule.unit, rule.remind_before_hours)
    return DEFAULTS[(kind, urgency)]


def deadline_after(start: dt.datetime, limit: Limit) -> dt.datetime:
    """Hours count the clock; working days land on the same local time of the n-th one."""
    if limit.unit == LimitUnit.HOURS:
        return start + dt.timedelta(hours=limit.amount)
    local = timezone.localtime(start)
    day = add_workdays(local.date(), limit.amount)
    return local.replace(year=day.year, month=day.month, day=day.day)


def extend(deadline: dt.datetime, workdays: int) -> dt.datetime:
    return deadline_after(deadline, Limit(workdays, LimitUnit.WORKDAYS, 0))


def remind_at(deadline: dt.datetime, limit: Limit) -> dt.datetime:
    return deadline - dt.timedelta(hours=limit.remind_before_hours)
