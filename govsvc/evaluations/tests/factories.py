"""Helpers shared by the 好差评 tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from govsvc.evaluations import services
from govsvc.evaluations.models import Rating

RESIDENT_PHONE = "13912345678"
# 2025 National Day: 10-01 to 10-08 off, Saturday 10-11 a working day (调休).
EVE_OF_HOLIDAY = dt.date(2025, 9, 30)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def bad_rating(
    make_act: Any,
    level: str = "very_dissatisfied",
    anonymous: bool = False,
    day: dt.date = EVE_OF_HOLIDAY,
    **act_fields: Any,
) -> Rating:
    act = make_act(**act_fields)
    return services.rate(
        act,
        level=level,
        channel="web",
        text="材料被退回三次",
        anonymous=anonymous,
        rated_at=at(day),
    )
