"""Published figures: satisfaction by department, item, window and staff; on-time rectification.

Definitions (also in docs/evaluations.md):
- Ratings set aside on appeal (申诉成立) are not counted anywhere.
- 满意率 = ratings at 基本满意 or better / all ratings.
- 差评率 = 不满意 + 非常不满意 / all ratings.
- 满意度得分 = mean of 100/80/60/40/20 for the five levels.
- 整改按期率 = bad ratings rectified by their deadline / bad ratings due (rectified, or
  past their deadline on the day of the report).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from govsvc.catalog.models import ServiceItem
from govsvc.core.masking import mask_name
from govsvc.directory.models import Department, HallWindow
from govsvc.evaluations.levels import ORDER, SCORE
from govsvc.evaluations.models import (
    BAD_LEVELS,
    Level,
    Rating,
    RatingStatus,
    Rectification,
    RectificationStatus,
)

DIMENSIONS = {"department": "部门", "item": "事项", "window": "窗口", "staff": "工作人员"}


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date | None
    end: dt.date | None  # inclusive


def parse_period(text: str) -> Period:
    """'2026', '2026-Q4', '2026-11' or '' (all time). Raises ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return Period("全部", None, None)
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return Period(f"{year}年", dt.date(year, 1, 1), dt.date(year, 12, 31))
    match = re.fullmatch(r"(\d{4})-[Qq]([1-4])", text)
    if match:
        year, quarter = int(match.group(1)), int(match.group(2))
        start = dt.date(year, 3 * quarter - 2, 1)
        return Period(f"{year}年第{quarter}季度", start, _month_end(year, 3 * quarter))
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if match and 1 <= int(match.group(2)) <= 12:
        year, month = int(match.group(1)), int(match.group(2))
        return Period(f"{year}年{month}月", dt.date(year, month, 1), _month_end(year, month))
    raise ValueError("统计期间格式应为 2026、2026-Q4 或 2026-11")


def recent_periods(today: dt.date) -> list[tuple[str, str]]:
    """Choices for the public page: all time, two years, four quarters, six months."""
    choices = [("", "全部")]
    choices += [(str(y), f"{y}年") for y in (today.year, today.year - 1)]
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(4):
        choices.append((f"{year}-Q{quarter}", f"{year}年第{quarter}季度"))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    year, month = today.year, today.month
    for _ in range(6):
        choices.append((f"{year}-{month:02d}", f"{year}年{month}月"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return choices


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _local_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def counted_ratings(period: Period) -> QuerySet[Rating]:
    return _all_ratings(period).filter(status=RatingStatus.VALID)


@dataclass
class Row:
    key: int | None
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def bad(self) -> int:
        return sum(n for level, n in self.counts.items() if level in BAD_LEVELS)

    @property
    def satisfied_rate(self) -> float:
        return round((self.total - self.bad) / self.total, 4) if self.total else 0.0

    @property
    def bad_rate(self) -> float:
        return round(self.bad / self.total, 4) if self.total else 0.0

    @property
    def score(self) -> float:
        if not self.total:
            return 0.0
        points = sum(SCORE[Level(level)] * n for level, n in self.counts.items())
        return round(points / self.total, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "total": self.total,
            "counts": {level.value: self.counts.get(level.value, 0) for level in ORDER},
            "bad": self.bad,
            "satisfied_rate": self.satisfied_rate,
            "bad_rate": self.bad_rate,
            "score": self.score,
        }


def _level_counts() -> dict[str, Any]:
    return {level.value: Count("id", filter=Q(level=level.value)) for level in ORDER}


def overall(period: Period) -> Row:
    counts = counted_ratings(period).aggregate(**_level_counts())
    return Row(None, "全市", counts)


def satisfaction(by: str, period: Period) -> list[Row]:
    """One row per department/item/window/staff member with at least one counted rating."""
    if by not in DIMENSIONS:
        raise ValueError(f"统计维度应为 {'、'.join(DIMENSIONS)}")
    key = f"act__{by}"
    grouped = (
        counted_ratings(period)
        .filter(**{f"{key}__isnull": False})
        .values(key)
        .annotate(**_level_counts())
        .order_by(key)
    )
    rows = [Row(g[key], "", {level.value: g[level.value] for level in ORDER}) for g in grouped]
    names = _names(by, [r.key for r in rows if r.key is not None])
    for row in rows:
        row.name = names.get(row.key, "")  # type: ignore[arg-type]
    rows.sort(key=lambda r: (-r.score, -r.total, r.name))
    return rows


def _names(by: str, keys: list[int]) -> dict[int, str]:
    if by == "department":
        return {d.pk: str(d) for d in Department.objects.filter(pk__in=keys)}
    if by == "item":
        return {i.pk: i.name for i in ServiceItem.objects.filter(pk__in=keys)}
    if by == "window":
        windows = HallWindow.objects.filter(pk__in=keys).select_related("hall")
        return {w.pk: f"{w.hall.name} {w.number}" for w in windows}
    users = get_user_model().objects.filter(pk__in=keys)
    # Staff are published by masked name and account number only.
    return {
        u.pk: f"{mask_name(u.get_full_name() or u.get_username())}（工号{u.pk}）" for u in users
    }


@dataclass(frozen=True)
class RectificationSummary:
    bad: int
    set_aside: int
    due: int
    on_time: int
    late: int
    open: int

    @property
    def on_time_rate(self) -> float:
        return round(self.on_time / self.due, 4) if self.due else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "bad": self.bad,
            "set_aside": self.set_aside,
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "open": self.open,
            "on_time_rate": self.on_time_rate,
        }


def rectification_summary(period: Period, today: dt.date | None = None) -> RectificationSummary:
    """Over bad ratings given in ``period``; ``today`` decides which open ones are late."""
    today = today or timezone.localdate()
    counted = ~Q(status=RectificationStatus.SET_ASIDE)
    done = counted & Q(rectified_at__isnull=False)
    waiting = counted & Q(rectified_at__isnull=True)
    on_time = done & Q(rectified_on__lte=F("rectify_due"))
    late_open = waiting & Q(rectify_due__lt=today)
    figures = (
        Rectification.objects.filter(rating__in=_all_ratings(period))
        .annotate(rectified_on=TruncDate("rectified_at", tzinfo=timezone.get_current_timezone()))
        .aggregate(
            bad=Count("id"),
            set_aside=Count("id", filter=~counted),
            done=Count("id", filter=done),
            on_time=Count("id", filter=on_time),
            open=Count("id", filter=waiting),
            late_open=Count("id", filter=late_open),
        )
    )
    late = figures["done"] - figures["on_time"] + figures["late_open"]
    return RectificationSummary(
        bad=figures["bad"],
        set_aside=figures["set_aside"],
        due=figures["done"] + figures["late_open"],
        on_time=figures["on_time"],
        late=late,
        open=figures["open"],
    )


def _all_ratings(period: Period) -> QuerySet[Rating]:
    ratings = Rating.objects.all()
    if period.start is not None:
        ratings = ratings.filter(created_at__gte=_local_start(period.start))
    if period.end is not None:
        ratings = ratings.filter(created_at__lt=_local_start(period.end + dt.timedelta(days=1)))
    return ratings
