"""未诉先办: hot topics, bursts of similar tickets in one place, seasonal forecasts.

A burst is many tickets about the same thing from one street (or, for tickets with only
coordinates, one ~500 m cell) within a short window, well above that place's usual volume
for that topic. Tickets are grouped by place, then by category (confirmed or proposed by
the classifier), then by text similarity (character 2-3 gram cosine, single linkage), so
thirty calls about one burst water main make an alert while thirty unrelated calls from a
busy street do not.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from govsvc.hotline.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Alert,
    AlertKind,
    Category,
    Satisfaction,
    Status,
    Ticket,
    in_topic,
    topic_name,
)

logger = logging.getLogger(__name__)

BURST_WINDOW = dt.timedelta(hours=2)
BURST_MIN_TICKETS = 12
BURST_BASELINE_DAYS = 7
# A burst must be this many times the place's usual volume for a window of this length.
BURST_OVER_BASELINE = 3.0
SIMILARITY = 0.4
CELL_DEGREES = 0.005


@dataclass
class Cluster:
    place: str
    tickets: list[Ticket]


def _place_of(ticket: Ticket) -> str | None:
    if ticket.street_id is not None:
        return f"street-{ticket.street_id}"
    if ticket.latitude is not None and ticket.longitude is not None:
        lat = int(ticket.latitude // CELL_DEGREES)
        lon = int(ticket.longitude // CELL_DEGREES)
        return f"cell-{lat}-{lon}"
    return None


def _text_vectors(tickets: list[Ticket]) -> Any:
    """Character 2-3 gram vectors of the messages, l2-normed, so a product is a cosine; None
    when no text has a gram."""
    texts = ["".join(t.content.split()) for t in tickets]
    # No idf: within one burst the shared words are common to every text, and idf would
    # weigh them down in favour of each caller's own greeting.
    vectoriser = TfidfVectorizer(
        analyzer="char", ngram_range=(2, 3), sublinear_tf=True, use_idf=False
    )
    try:
        return vectoriser.fit_transform(texts)
    except ValueError:  # every text empty of grams
        return None


def _similar_groups(tickets: list[Ticket]) -> list[list[Ticket]]:
    matrix = _text_vectors(tickets)
    if matrix is None:
        return []
    similar = (matrix @ matrix.T) >= SIMILARITY
    _, labels = connected_components(similar, directed=False)
    groups: dict[int, list[Ticket]] = defaultdict(list)
    for ticket, label in zip(tickets, labels, strict=True):
        groups[int(label)].append(ticket)
    return list(groups.values())


DUPLICATE_DAYS = 7
DUPLICATE_POOL = 500


def duplicate_candidates(ticket: Ticket, limit: int = 5) -> list[tuple[Ticket, float]]:
    """Open tickets of the last week that may report the same thing, for 并单: from the same
    street (or, without one, of the same topic), most similar text first, each with its
    cosine. A candidate must itself be able to take a merge (not merged or transferred)."""
    since = ticket.received_at - dt.timedelta(days=DUPLICATE_DAYS)
    pool = Ticket.objects.filter(status__in=OPEN_STATUSES, received_at__gte=since).exclude(
        pk=ticket.pk
    )
    if ticket.street_id is not None:
        pool = pool.filter(street_id=ticket.street_id)
    elif ticket.topic is not None:
        pool = pool.filter(in_topic("pk", ticket.topic.pk))
    else:
        return []
    others = list(pool.order_by("-received_at")[:DUPLICATE_POOL])
    if not others:
        return []
    matrix = _text_vectors([ticket, *others])
    if matrix is None:
        return []
    scores = np.asarray((matrix[1:] @ matrix[0].T).todense()).ravel()
    ranked = sorted(zip(others, scores, strict=True), key=lambda pair: -pair[1])
    return [
        (other, round(float(score), 2)) for other, score in ranked[:limit] if score >= SIMILARITY
    ]


def _topic_of(ticket: Ticket) -> int | None:
    return ticket.category_id or ticket.proposed_category_id


def _baseline(tickets: list[Ticket], topic: int | None, start: dt.datetime) -> float:
    """Tickets of this topic the place usually gets in one window, from the previous week."""
    since = start - dt.timedelta(days=BURST_BASELINE_DAYS)
    sample = tickets[0]
    query = Ticket.objects.filter(received_at__gte=since, received_at__lt=start)
    if topic is not None:
        query = query.filter(in_topic("id", topic))
    if sample.street_id is not None:
        query = query.filter(street_id=sample.street_id)
    else:
        assert sample.latitude is not None and sample.longitude is not None
        low_lat = (sample.latitude // CELL_DEGREES) * CELL_DEGREES
        low_lon = (sample.longitude // CELL_DEGREES) * CELL_DEGREES
        query = query.filter(
            latitude__gte=low_lat,
            latitude__lt=low_lat + CELL_DEGREES,
            longitude__gte=low_lon,
            longitude__lt=low_lon + CELL_DEGREES,
        )
    windows = dt.timedelta(days=BURST_BASELINE_DAYS) / BURST_WINDOW
    return query.count() / windows


def find_bursts(now: dt.datetime, street_id: int | None = None) -> list[Cluster]:
    """Place, then topic (the confirmed or proposed category), then text similarity."""
    start = now - BURST_WINDOW
    recent = Ticket.objects.filter(received_at__gte=start, received_at__lte=now).exclude(
        status=Status.TRANSFERRED
    )
    if street_id is not None:
        recent = recent.filter(street_id=street_id)
    by_place: dict[tuple[str, int | None], list[Ticket]] = defaultdict(list)
    for ticket in recent.select_related("category", "proposed_category", "street"):
        place = _place_of(ticket)
        if place is not None:
            by_place[(place, _topic_of(ticket))].append(ticket)

    bursts = []
    for (place, topic), tickets in by_place.items():
        if len(tickets) < BURST_MIN_TICKETS:
            continue
        for group in _similar_groups(tickets):
            if len(group) < BURST_MIN_TICKETS:
                continue
            if len(group) < BURST_OVER_BASELINE * _baseline(group, topic, start):
                continue
            bursts.append(Cluster(place, sorted(group, key=lambda t: t.received_at)))
    return bursts


def _main_category(tickets: list[Ticket]) -> Category | None:
    counted = Counter(t.topic for t in tickets)
    counted.pop(None, None)
    return counted.most_common(1)[0][0] if counted else None


def detect_bursts(now: dt.datetime | None = None, street_id: int | None = None) -> list[Alert]:
    """Raise or extend a burst alert for each cluster; returns the alerts raised anew."""
    now = now or timezone.now()
    raised = []
    for cluster in find_bursts(now, street_id):
        category = _main_category(cluster.tickets)
        prefix = f"burst:{cluster.place}:{category.code if category else '-'}:"
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update()
                .filter(key__startswith=prefix, window_end__gte=now - dt.timedelta(hours=24))
                .first()
            )
            created = alert is None
            if alert is None:
                first = cluster.tickets[0]
                place_name = first.street.name if first.street else "同一地点附近"
                what = category.name if category else "同类问题"
                alert = Alert.objects.create(
                    kind=AlertKind.BURST,
                    key=prefix + str(first.pk),
                    title=f"{place_name}两小时内集中反映{what}问题 {len(cluster.tickets)} 件",
                    category=category,
                    region=first.street,
                    window_start=first.received_at,
                    window_end=cluster.tickets[-1].received_at,
                    detail={"sample": first.summary, "place": cluster.place},
                )
            alert.tickets.add(*cluster.tickets)
            alert.ticket_count = alert.tickets.count()
            alert.window_end = max(alert.window_end, cluster.tickets[-1].received_at)
            alert.save()
        if created:
            raised.append(alert)
            logger.info("hotline_burst_alert alert_id=%s tickets=%s", alert.pk, alert.ticket_count)
    return raised


# --- hot topics -------------------------------------------------------------------------


@dataclass
class HotTopic:
    district: str
    category: str
    count: int
    previous: int

    @property
    def growth(self) -> float | None:
        if self.previous == 0:
            return None
        return (self.count - self.previous) / self.previous


def hot_topics(now: dt.datetime | None = None, days: int = 7, limit: int = 10) -> list[HotTopic]:
    """Top district × category pairs of the period, with growth over the period before."""
    now = now or timezone.now()
    period = dt.timedelta(days=days)

    def counts(start: dt.datetime, end: dt.datetime) -> dict[tuple[str, str], int]:
        rows = (
            Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
            .annotate(topic_label=topic_name())
            .values("district__name", "topic_label")
            .annotate(n=Count("id"))
        )
        result: dict[tuple[str, str], int] = Counter()
        for row in rows:
            key = (row["district__name"] or "未知区域", row["topic_label"] or "未分类")
            result[key] += row["n"]
        return result

    current = counts(now - period, now)
    before = counts(now - 2 * period, now - period)
    topics = [HotTopic(d, c, n, before.get((d, c), 0)) for (d, c), n in current.items()]
    topics.sort(key=lambda t: (-t.count, -(t.growth or 0)))
    return topics[:limit]


# --- seasonal forecast ------------------------------------------------------------------


SEASONAL_MIN_TICKETS = 20
SEASONAL_RISE = 1.5


@dataclass
class Forecast:
    category: Category
    month: dt.date
    expected: int
    usual: float
    last_year: int


def _month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def seasonal_forecast(now: dt.datetime | None = None) -> list[Forecast]:
    """Next month per category from the same month in earlier years, scaled by this year's
    level; flagged when clearly above the category's usual month."""
    today = timezone.localdate(now or timezone.now())
    target = _month_start(today, 1)
    since = _month_start(today, -36)
    rows = (
        Ticket.objects.filter(received_at__date__gte=since, category__isnull=False)
        .annotate(month=TruncMonth("received_at"))
        .values("category_id", "month")
        .annotate(n=Count("id"))
    )
    monthly: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        monthly[row["category_id"]][month] = row["n"]

    forecasts = []
    categories = Category.objects.in_bulk(list(monthly))
    for category_id, months in monthly.items():
        same = [months.get(dt.date(target.year - k, target.month, 1), 0) for k in (1, 2, 3)]
        history = [n for m, n in months.items() if m < _month_start(today)]
        if not any(same) or len(history) < 6:
            continue
        usual = float(np.mean(history))
        expected = round(float(np.mean([n for n in same if n])))
        if expected >= SEASONAL_MIN_TICKETS and expected >= SEASONAL_RISE * usual:
            forecasts.append(Forecast(categories[category_id], target, expected, usual, same[0]))
    forecasts.sort(key=lambda f: -f.expected / max(f.usual, 1))
    return forecasts


def raise_seasonal_alerts(now: dt.datetime | None = None) -> list[Alert]:
    raised = []
    for f in seasonal_forecast(now):
        key = f"seasonal:{f.category.code}:{f.month:%Y-%m}"
        start = timezone.make_aware(dt.datetime.combine(f.month, dt.time()))
        end = timezone.make_aware(dt.datetime.combine(_month_start(f.month, 1), dt.time()))
        alert, created = Alert.objects.get_or_create(
            key=key,
            defaults={
                "kind": AlertKind.SEASONAL,
                "title": f"预计{f.month.month}月{f.category.name}诉求约 {f.expected} 件，"
                f"为平常月份的 {f.expected / max(f.usual, 1):.1f} 倍，请提前准备",
                "category": f.category,
                "window_start": start,
                "window_end": end,
                "ticket_count": f.expected,
                "detail": {"usual": round(f.usual, 1), "last_year": f.last_year},
            },
        )
        if created:
            raised.append(alert)
    return raised


# --- dashboard figures ------------------------------------------------------------------


@dataclass
class Rates:
    received: int
    closed: int
    on_time_rate: float | None
    resolved_rate: float | None
    satisfied_rate: float | None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def rates(since: dt.datetime) -> Rates:
    tickets = Ticket.objects.filter(received_at__gte=since)
    figures = tickets.aggregate(
        received=Count("id"),
        closed=Count("id", filter=Q(status__in=DONE_STATUSES)),
        on_time=Count("id", filter=Q(status__in=DONE_STATUSES, on_time=True)),
        judged=Count("id", filter=Q(status__in=DONE_STATUSES, resolved__isnull=False)),
        resolved=Count("id", filter=Q(status__in=DONE_STATUSES, resolved=True)),
        evaluated=Count("id", filter=~Q(satisfaction="")),
        satisfied=Count(
            "id", filter=Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])
        ),
    )
    return Rates(
        received=figures["received"],
        closed=figures["closed"],
        on_time_rate=_ratio(figures["on_time"], figures["closed"]),
        resolved_rate=_ratio(figures["resolved"], figures["judged"]),
        satisfied_rate=_ratio(figures["satisfied"], figures["evaluated"]),
    )


def daily_volumes(since: dt.datetime, until: dt.datetime) -> list[tuple[dt.date, int]]:
    """Tickets received per local day from `since` to `until`, quiet days counted as 0, so
    a chart's bars stand for equal stretches of time."""
    rows = (
        Ticket.objects.filter(received_at__gte=since, received_at__lte=until)
        .annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("id"))
    )
    counts = {row["day"]: row["n"] for row in rows}
    first, last = timezone.localdate(since), timezone.localdate(until)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return [(day, counts.get(day, 0)) for day in days]


# What a ticket counts under on the dashboard: its topic (models.topic_name), the district
# it was reported in.
DASHBOARD_GROUPS = {"category": topic_name(), "district": F("district__name")}
_UNKNOWN_GROUP = {"category": "未分类", "district": "未知区域"}


def volumes_by(group: str, since: dt.datetime, limit: int = 12) -> list[tuple[str, int]]:
    rows = (
        Ticket.objects.filter(received_at__gte=since)
        .annotate(group=DASHBOARD_GROUPS[group])
        .values("group")
        .annotate(n=Count("id"))
        .order_by("-n", "group")[:limit]
    )
    return [(row["group"] or _UNKNOWN_GROUP[group], row["n"]) for row in rows]
