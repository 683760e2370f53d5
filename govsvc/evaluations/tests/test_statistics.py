"""The published figures match the same figures computed here, in plain Python, from the
ratings this test itself gave."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from io import BytesIO

import chinese_calendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from govsvc.catalog.models import ServiceItem
from govsvc.directory.models import HallWindow
from govsvc.evaluations import rectifications, services, stats
from govsvc.evaluations.tests.factories import at

pytestmark = pytest.mark.django_db

LEVELS = ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"]
POINTS = {
    "very_satisfied": 100,
    "satisfied": 80,
    "basic": 60,
    "dissatisfied": 40,
    "very_dissatisfied": 20,
}
BAD = {"dissatisfied", "very_dissatisfied"}


@dataclass
class Given:
    level: str
    day: dt.date
    department: int
    item: int
    window: int
    staff: int
    set_aside: bool = False
    rectified: bool = False


def workday_after(start: dt.date, n: int) -> dt.date:
    day = start
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


@pytest.fixture
def given(make_act, labour, police, people) -> list[Given]:
    """About 70 ratings over two departments, four items, two windows, two staff members."""
    rng = random.Random(20251001)
    items = [
        *ServiceItem.objects.filter(department=labour).order_by("pk")[:2],
        *ServiceItem.objects.filter(department=police).order_by("pk")[:2],
    ]
    windows = list(HallWindow.objects.filter(hall__code="WH-CITY-01").order_by("number")[:2])
    staff = [people.clerk, people.other_officer]
    today = timezone.localdate()
    days = [dt.date(2025, 8, 20), dt.date(2025, 10, 15), dt.date(2025, 11, 30), today]
    out: list[Given] = []
    for n in range(70):
        item = rng.choice(items)
        window, member = rng.choice(windows), rng.choice(staff)
        level = rng.choices(LEVELS, weights=[5, 4, 2, 2, 1])[0]
        day = rng.choice(days)
        act = make_act(
            reference=f"STAT{n:04d}",
            department=item.department,
            item=item,
            window=window,
            staff=member,
            anonymous_person=rng.random() < 0.3,
        )
        rating = services.rate(
            act, level=level, channel=rng.choice(["web", "sms"]), rated_at=at(day)
        )
        row = Given(level, day, item.department_id, item.pk, window.pk, member.pk)
        if level in BAD:
            rect = rating.rectification
            officer = people.officer if item.department == labour else people.other_officer
            choice = rng.random()
            if choice < 0.15:
                rect = rectifications.appeal(rect, officer, ground="malicious", reason="辱骂")
                rectifications.uphold_appeal(rect, people.supervisor, note="属恶意评价")
                row.set_aside = True
            elif choice < 0.65:
                rectifications.fix_now(rect, officer, finding="属实", measures="已改")
                row.rectified = True
        out.append(row)
    assert any(g.set_aside for g in out) and any(g.rectified for g in out)
    return out


def in_period(g: Given, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or g.day >= start) and (end is None or g.day <= end)


def expected_rows(given: list[Given], by: str, start=None, end=None) -> dict[int, dict]:
    groups: dict[int, Counter] = defaultdict(Counter)
    for g in given:
        if not g.set_aside and in_period(g, start, end):
            groups[getattr(g, by)][g.level] += 1
    rows = {}
    for key, counts in groups.items():
        total = sum(counts.values())
        bad = counts["dissatisfied"] + counts["very_dissatisfied"]
        rows[key] = {
            "total": total,
            "counts": {level: counts[level] for level in LEVELS},
            "bad": bad,
            "satisfied_rate": round((total - bad) / total, 4),
            "score": round(sum(POINTS[lv] * c for lv, c in counts.items()) / total, 2),
        }
    return rows


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("", None, None),
        ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2025-Q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ("2025-11", dt.date(2025, 11, 1), dt.date(2025, 11, 30)),
    ],
)
def test_satisfaction_by_every_dimension_matches_an_independent_count(
    given: list[Given], period: str, start, end
) -> None:
    for by in ("department", "item", "window", "staff"):
        platform = {
            row.key: {
                k: v for k, v in row.as_dict().items() if k not in ("key", "name", "bad_rate")
            }
            for row in stats.satisfaction(by, stats.parse_period(period))
        }
        assert platform == expected_rows(given, by, start, end), by

    counted = [g for g in given if not g.set_aside and in_period(g, start, end)]
    overall = stats.overall(stats.parse_period(period))
    assert overall.total == len(counted)
    assert overall.bad == sum(g.level in BAD for g in counted)


def test_the_on_time_rectification_share_matches_an_independent_count(given: list[Given]) -> None:
    today = timezone.localdate()
    bad = [g for g in given if g.level in BAD]
    due = on_time = 0
    for g in bad:
        if g.set_aside:
            continue
        deadline = workday_after(g.day, 15)
        if g.rectified:  # rectified today, by fix_now
            due += 1
            on_time += today <= deadline
        elif today > deadline:
            due += 1

    summary = stats.rectification_summary(stats.parse_period(""), today)
    assert summary.bad == len(bad)
    assert summary.set_aside == sum(g.set_aside for g in bad)
    assert (summary.due, summary.on_time) == (due, on_time)
    assert summary.late == due - on_time
    assert summary.open == sum(not g.set_aside and not g.rectified for g in bad)
    assert summary.on_time_rate == round(on_time / due, 4)
    assert 0 < summary.on_time < summary.due  # the fixture gives both outcomes


def test_the_excel_export_the_api_and_the_public_page_publish_the_same_figures(
    given: list[Given],
) -> None:
    expected = expected_rows(given, "department")
    names = {row.key: row.name for row in stats.satisfaction("department", stats.parse_period(""))}

    response = Client().get(reverse("evaluations:stats_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    sheet = book["按部门"]
    assert [c.value for c in sheet[1]][:3] == ["名称", "评价总数", "非常满意"]
    exported = {r[0]: (r[1], r[7], r[9]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported == {
        names[key]: (row["total"], row["satisfied_rate"], row["score"])
        for key, row in expected.items()
    }
    assert book["概览"]["B2"].value == sum(row["total"] for row in expected.values())

    api = APIClient().get("/api/v1/evaluations/stats/?by=department").json()
    assert {r["key"]: r["total"] for r in api["rows"]} == {
        k: v["total"] for k, v in expected.items()
    }

    page = Client().get(reverse("evaluations:stats")).content.decode()
    total = sum(row["total"] for row in expected.values())
    assert f'<b id="stat-total">{total}</b>' in page
    for name in names.values():
        assert name in page


def test_staff_are_published_by_masked_name(given: list[Given], people) -> None:
    names = [row.name for row in stats.satisfaction("staff", stats.parse_period(""))]
    assert any(name.startswith("李**") for name in names)
    assert not any("李窗口" in name for name in names)


def test_the_public_page_offers_recent_periods_that_parse() -> None:
    choices = stats.recent_periods(dt.date(2026, 2, 10))
    values = [value for value, _ in choices]
    assert values[:4] == ["", "2026", "2025", "2026-Q1"]
    assert "2025-Q2" in values and "2025-09" in values and "2025-08" not in values
    for value, label in choices:
        assert stats.parse_period(value).label == label
    page = Client().get(reverse("evaluations:stats"), {"period": "2025-Q4", "by": "item"})
    assert 'value="2025-Q4" selected' in page.content.decode()


def test_a_wrong_period_is_refused() -> None:
    with pytest.raises(ValueError, match="统计期间"):
        stats.parse_period("2025-13")
    assert APIClient().get("/api/v1/evaluations/stats/?period=last-year").status_code == 400
