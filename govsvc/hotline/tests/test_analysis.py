"""未诉先办: burst alerts, hot topics, seasonal forecasts and dashboard figures."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from govsvc.hotline import analysis, services
from govsvc.hotline.generator import generate_messages, similar_messages
from govsvc.hotline.models import Alert, AlertKind, Category, Ticket
from govsvc.hotline.tick import run_tick

from .conftest import new_ticket

pytestmark = pytest.mark.django_db


def add_tickets(rows: list[tuple[str, str, object, dt.datetime]]) -> list[Ticket]:
    """Bulk tickets (text, category code, street, received_at) with their own timestamps."""
    categories = {c.code: c for c in Category.objects.all()}
    tickets = Ticket.objects.bulk_create(
        Ticket(
            channel="phone",
            kind="complaint",
            content=text,
            category=categories.get(code),
            region=street,
            district=street.parent,
            street=street,
        )
        for text, code, street, _ in rows
    )
    for ticket, row in zip(tickets, rows, strict=True):
        ticket.received_at = row[3]
    Ticket.objects.bulk_update(tickets, ["received_at"])
    return tickets


def ordinary_week(places, end: dt.datetime) -> list[Ticket]:
    """A week of everyday calls: a busy street (about 10 every two hours) and a quiet one."""
    rng = random.Random(5)
    messages = generate_messages(100, seed=11)
    rows = []
    for i, message in enumerate(messages):
        street = places.street if i % 4 else places.other_street
        at = end - dt.timedelta(minutes=rng.randint(1, 7 * 24 * 60))
        rows.append((message.text, message.category, street, at))
    return add_tickets(rows)


def test_a_burst_of_similar_tickets_in_one_street_raises_one_alert(places):
    now = timezone.now()
    ordinary_week(places, now - dt.timedelta(hours=2))
    burst = [
        (text, "utilities", places.other_street, now - dt.timedelta(minutes=4 * i))
        for i, text in enumerate(similar_messages("utilities", 30, seed=3))
    ]
    add_tickets(burst)

    report = run_tick(now)

    alert = Alert.objects.get(kind=AlertKind.BURST)
    assert report.alerts == [alert.title]
    assert alert.ticket_count == 30 and alert.region == places.other_street
    assert alert.category.code == "utilities"
    assert run_tick(now + dt.timedelta(minutes=5)).alerts == []
    assert Alert.objects.filter(kind=AlertKind.BURST).count() == 1


def test_a_week_of_ordinary_traffic_raises_no_alert(places):
    end = timezone.now()
    ordinary_week(places, end)

    for hours in range(0, 7 * 24, 2):
        assert analysis.detect_bursts(end - dt.timedelta(hours=hours)) == []
    assert not Alert.objects.exists()


def test_tickets_located_only_by_coordinates_form_a_burst(places):
    now = timezone.now()
    texts = similar_messages("urban", 12, seed=4)
    tickets = [
        Ticket(
            channel="open311",
            kind="report",
            content=text,
            latitude=30.5501 + i * 1e-5,
            longitude=114.3101,
        )
        for i, text in enumerate(texts)
    ]
    Ticket.objects.bulk_create(tickets)

    clusters = analysis.find_bursts(now + dt.timedelta(minutes=1))
    assert len(clusters) == 1 and len(clusters[0].tickets) == 12


def test_hot_topics_show_growth_by_district_and_category(places):
    now = timezone.now()
    rows = [("路灯坏了", "urban", places.street, now - dt.timedelta(days=1))] * 6
    rows += [("路灯坏了", "urban", places.street, now - dt.timedelta(days=9))] * 2
    add_tickets(rows)

    top = analysis.hot_topics(now)[0]

    assert (top.district, top.category, top.count, top.previous) == ("武昌区", "城市管理", 6, 2)
    assert top.growth == 2.0


def test_a_recurring_summer_topic_is_forecast_a_month_ahead(places):
    now = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
    rows = []
    for year in (2024, 2025):
        for month in range(1, 13):
            count = 40 if month == 7 else 5
            at = dt.datetime(year, month, 15, 12, 0, tzinfo=dt.UTC)
            rows += [("停电了", "utilities", places.street, at)] * count
    add_tickets(rows)

    forecast = analysis.seasonal_forecast(now)
    assert [(f.category.code, f.month) for f in forecast] == [("utilities", dt.date(2026, 7, 1))]
    raised = analysis.raise_seasonal_alerts(now)
    assert len(raised) == 1 and "7月" in raised[0].title
    assert analysis.raise_seasonal_alerts(now) == []


def test_rates_for_the_dashboard(places):
    now = timezone.now()
    tickets = add_tickets([("欠薪", "labour", places.street, now)] * 4)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:2]]).update(
        status="evaluated", on_time=True, resolved=True, satisfaction="satisfied"
    )
    Ticket.objects.filter(pk=tickets[2].pk).update(status="closed", on_time=False, resolved=False)

    rates = analysis.rates(now - dt.timedelta(days=1))

    assert (rates.received, rates.closed) == (4, 3)
    assert rates.on_time_rate == pytest.approx(2 / 3)
    assert rates.resolved_rate == pytest.approx(2 / 3)
    assert rates.satisfied_rate == 1.0


def test_dashboard_counts_unconfirmed_tickets_under_their_proposed_category(places):
    now = timezone.now()
    _confirmed, proposed, _unknown = add_tickets(
        [(f"诉求{i}", code, places.street, now - dt.timedelta(hours=1)) for i, code in
         enumerate(["labour", "", ""])]
    )  # fmt: skip
    Ticket.objects.filter(pk=proposed.pk).update(
        proposed_category=Category.objects.get(code="labour")
    )
    by_category = dict(analysis.volumes_by("category", now - dt.timedelta(days=1)))
    assert by_category == {"劳动与社保": 2, "未分类": 1}
    by_district = dict(analysis.volumes_by("district", now - dt.timedelta(days=1)))
    assert by_district == {places.street.parent.name: 3}


def test_daily_volumes_count_quiet_days_as_zero_in_local_days(places):
    now = timezone.now()
    add_tickets(
        [("诉求甲", "labour", places.street, now - dt.timedelta(days=3)),
         ("诉求乙", "labour", places.street, now - dt.timedelta(days=3)),
         ("诉求丙", "urban", places.street, now)]
    )  # fmt: skip

    days = analysis.daily_volumes(now - dt.timedelta(days=5), now)

    assert len(days) == 6 and days[-1] == (timezone.localdate(now), 1)
    assert dict(days)[timezone.localdate(now - dt.timedelta(days=3))] == 2
    assert sum(n for _, n in days) == 3


def test_tickets_without_a_district_count_as_unknown_area(places):
    now = timezone.now()
    Ticket.objects.create(channel="phone", kind="consult", content="咨询公积金提取")
    assert dict(analysis.volumes_by("district", now - dt.timedelta(days=1))) == {"未知区域": 1}


def test_duplicate_candidates_are_similar_open_tickets_of_the_same_street(places, agent):
    first = new_ticket(places, content="积玉桥街和平大道100号门口的井盖丢了，晚上很危险")
    same = new_ticket(places, content="和平大道100号门口井盖丢了，有人差点掉下去，很危险")
    unrelated = new_ticket(places, content="公司拖欠我三个月工资，老板不接电话")
    elsewhere = new_ticket(
        places, content="和平大道100号门口的井盖丢了，很危险", region=places.other_street
    )
    closed = new_ticket(places, content="和平大道100号门口的井盖丢了，晚上很危险")
    services.direct_close(closed, actor=agent, text="已通知城管处理。")

    found = analysis.duplicate_candidates(same)

    assert [t.number for t, _ in found] == [first.number]
    assert 0.4 <= found[0][1] <= 1
    assert unrelated.number not in {t.number for t, _ in found}
    assert elsewhere.number not in {t.number for t, _ in found}


def test_the_ticket_page_offers_the_duplicate_and_merges_it_in_one_click(places, agent):
    from django.test import Client

    parent = new_ticket(places, content="积玉桥街和平大道100号门口的井盖丢了，晚上很危险")
    child = new_ticket(places, content="和平大道100号门口井盖丢了，有人差点掉下去，很危险")
    client = Client()
    client.force_login(agent)

    page = client.get(f"/hotline/tickets/{child.number}/").content.decode()
    assert "可能重复的工单" in page and parent.number in page

    client.post(f"/hotline/tickets/{child.number}/do/merge/", {"into": parent.number})
    child.refresh_from_db()
    assert child.status == "merged" and child.parent == parent
