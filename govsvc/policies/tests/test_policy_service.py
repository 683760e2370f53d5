"""Policies from draft to payment: review, publish, profiles, batch, push, pay."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from govsvc.policies import profiles, services
from govsvc.policies.models import (
    Audience,
    BatchStatus,
    DeliveryMode,
    Match,
    Notification,
    PaymentOrder,
    PaymentStatus,
    Profile,
    ProfileImport,
    VersionStatus,
)
from govsvc.policies.rules import RuleError, compile_rule, evaluate
from govsvc.policies.rules.schema import ENTERPRISE
from govsvc.policies.tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_rule_is_checked_when_a_version_is_saved() -> None:
    item = f.policy()

    with pytest.raises(RuleError) as caught:
        services.create_version(
            item,
            rule="revenue_last_year >= 5e6 and is_hightech",
            amount=None,
            formula="",
            author=None,
        )

    assert (caught.value.line, caught.value.column, caught.value.token) == (1, 30, "is_hightech")


def test_a_version_is_published_only_after_someone_else_reviews_it() -> None:
    drafter, reviewer = f.staff("drafter"), f.staff("reviewer")
    item = f.policy()
    version = services.create_version(
        item, rule=f.HIGH_TECH_RULE, amount=Decimal(1), formula="", author=drafter
    )

    with pytest.raises(services.PolicyActionError):
        services.publish(item, version, drafter)
    services.submit_version(version, drafter)
    with pytest.raises(services.PolicyActionError, match="起草人不能审核"):
        services.review_version(version, drafter, approve=True)
    services.review_version(version, reviewer, approve=True)
    services.publish(item, version, reviewer)

    item.refresh_from_db()
    assert item.published_version == version
    assert PolicyVersion_status(version) == VersionStatus.APPROVED


def PolicyVersion_status(version) -> str:
    version.refresh_from_db()
    return version.status


def test_an_import_keeps_good_rows_and_reports_bad_ones() -> None:
    f.load_enterprises()

    report = ProfileImport.objects.get()
    assert (report.rows_total, report.rows_ok) == (6, 4)
    assert {(e["row"], e["column"]) for e in report.errors} == {
        (6, "entity_id"),
        (7, "is_high_tech"),
        (7, "revenue_last_year"),
    }
    assert Profile.objects.get(entity_id="91420100A1").values["is_high_tech"] is True
    assert Profile.objects.get(entity_id="91420100A4").values["revenue_last_year"] is None


def test_an_import_reports_a_phone_no_one_can_call_back_and_stores_good_ones_normalised() -> None:
    rows = "entity_id,phone\nP1,12345\nP2,8555 0000\nP3,+86 138-0000-1234\n"
    report = profiles.import_profiles(
        "phones.csv", io.BytesIO(rows.encode()), kind="enterprise", as_of=date(2025, 1, 1)
    )

    assert (report.rows_total, report.rows_ok) == (3, 2)
    [error] = report.errors
    assert (error["row"], error["column"], error["value"]) == (2, "phone", "12345")
    assert error["message"].startswith("请填写正确的电话号码")
    stored = dict(Profile.objects.values_list("entity_id", "phone"))
    assert stored == {"P2": "027-85550000", "P3": "13800001234"}


def test_profiles_keep_the_date_each_value_was_true() -> None:
    f.load_enterprises(as_of=date(2025, 6, 30))
    older = "entity_id,revenue_last_year\n91420100A1,100\n"
    profiles.import_profiles(
        "old.csv", io.BytesIO(older.encode()), kind="enterprise", as_of=date(2024, 6, 30)
    )

    profile = Profile.objects.get(entity_id="91420100A1")
    assert profile.values["revenue_last_year"] == 8_000_000  # the older fact does not win
    assert profiles.values_as_of(profile, date(2024, 12, 31))["revenue_last_year"] == 100
    assert profiles.values_as_of(profile, date(2025, 7, 1))["revenue_last_year"] == 8_000_000


def test_an_excel_file_imports_like_a_csv() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["entity_id", "registered_region", "is_high_tech", "employees"])
    sheet.append(["X1", "江夏区", True, 12])
    sheet.append(["X2", "江夏区", "否", "十二"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)

    report = profiles.import_profiles("p.xlsx", buffer, kind="enterprise", as_of=date(2025, 1, 1))

    assert (report.rows_ok, report.errors[0]["column"]) == (1, "employees")


def test_the_batch_finds_what_the_online_check_finds(django_assert_max_num_queries) -> None:
    f.load_enterprises()
    item, version = f.published()

    batch = services.run_batch(services.start_batch(Audience.ENTERPRISE, None))

    rule = compile_rule(version.rule, ENTERPRISE)
    online = {p.entity_id for p in Profile.objects.all() if evaluate(rule, p.values)}
    assert batch.status == BatchStatus.DONE and batch.progress == 100
    assert (
        {m.profile.entity_id for m in Match.objects.all()} == online == {"91420100A1", "91420100A2"}
    )
    match = Match.objects.get(profile__entity_id="91420100A2")
    assert match.explanation["matched"] and match.explanation["steps"][2]["values"] == {
        "revenue_last_year": 5_000_000.0
    }
    near = services.explain_profile(item, Profile.objects.get(entity_id="91420100A4"))
    assert near.near_miss and near.failed[0].text == "revenue_last_year >= 5000000.0"

    services.run_batch(services.start_batch(Audience.ENTERPRISE, None))
    assert Match.objects.count() == 2  # a second run adds nothing for the same version


def test_matches_are_pushed_once_with_their_explanation(caplog) -> None:
    f.load_enterprises()
    f.published()
    batch = services.run_batch(services.start_batch(Audience.ENTERPRISE, None))

    with caplog.at_level("INFO", logger="govsvc.policies.adapters"):
        assert services.push(batch) == 2
    assert services.push(batch) == 0

    notice = Notification.objects.get(profile__entity_id="91420100A1")
    assert "is_high_tech" in notice.body and "无需申请" in notice.body
    assert "138****0001" in caplog.text and "13800000001" not in caplog.text


def test_nobody_is_paid_twice_for_the_same_policy_and_period(tmp_path: Path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path
    f.load_enterprises()
    item, _ = f.published()
    services.run_batch(services.start_batch(Audience.ENTERPRISE, None))
    reviewer = f.staff("finance-reviewer")

    assert services.create_payment_orders(item, "2025", reviewer) == 2
    assert services.create_payment_orders(item, "2025", reviewer) == 0
    order = PaymentOrder.objects.first()
    assert order is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.create(
            policy=item,
            period="2025",
            profile=order.profile,
            match=order.match,
            amount=1,
            account="x",
        )

    for each in PaymentOrder.objects.all():
        services.review_payment(each, reviewer, approve=True)
    export = services.hand_over(reviewer)
    assert export is not None and export.orders == 2 and export.total == Decimal("40000")
    assert services.hand_over(reviewer) is None
    assert Path(export.file_name).read_text(encoding="utf-8").count("\n") == 3
    assert set(PaymentOrder.objects.values_list("status", flat=True)) == {PaymentStatus.HANDED_OVER}


def test_a_confirm_policy_pays_after_one_click_by_the_beneficiary() -> None:
    f.load_enterprises()
    owner = f.resident("enterprise-a1")
    Profile.objects.filter(entity_id="91420100A1").update(user=owner)
    item, _ = f.published("WH-JS-01", mode=DeliveryMode.CONFIRM)
    services.run_batch(services.start_batch(Audience.ENTERPRISE, None))
    match = Match.objects.get(profile__entity_id="91420100A1")

    with pytest.raises(services.PolicyActionError):
        services.create_payment_orders(item, "2025", owner)
    with pytest.raises(services.PolicyActionError):
        services.confirm(match, f.resident("someone-else"), "2025")
    order = services.confirm(match, owner, "2025")

    assert services.confirm(match, owner, "2025") == order
    assert order.status == PaymentStatus.PENDING_REVIEW and order.amount == Decimal("20000")


def test_simulation_counts_by_region_and_industry_against_the_budget() -> None:
    f.load_enterprises()
    item = f.policy(budget=Decimal("10000"))
    version = services.create_version(
        item,
        rule="revenue_last_year >= 5e6",
        amount=None,
        formula="insured_employees * 500",
        author=None,
    )

    result = services.simulate(version)

    assert (result.qualified, result.profiles) == (3, 4)
    assert result.total_payout == Decimal("46000.00")
    assert result.over_budget
    assert result.groups[0] == {
        "region": "汉阳区", "group": "住宿和餐饮业", "count": 1, "payout": Decimal("25000.00")
    }  # fmt: skip


def test_an_absurd_formula_amount_is_unknown_not_a_crash() -> None:
    f.load_enterprises()
    item = f.policy()
    version = services.create_version(
        item,
        rule="revenue_last_year > 0",
        amount=None,
        formula="revenue_last_year * 1e300",
        author=None,
    )

    result = services.simulate(version)

    assert result.qualified == 3 and result.total_payout is None


def test_a_batch_can_match_profiles_as_they_stood_on_a_past_day() -> None:
    f.load_enterprises(as_of=date(2025, 6, 30))
    older = "entity_id,registered_region,is_high_tech,revenue_last_year\n91420100A1,江岸区,1,100\n"
    profiles.import_profiles(
        "old.csv", io.BytesIO(older.encode()), kind="enterprise", as_of=date(2024, 6, 30)
    )
    f.published()

    past = services.run_batch(services.start_batch(Audience.ENTERPRISE, None, date(2024, 12, 31)))
    now = services.run_batch(services.start_batch(Audience.ENTERPRISE, None))

    assert past.matches == 0  # in 2024 A1 earned 100 yuan and A2 had no data yet
    assert now.matches == 2
    match = Match.objects.get(profile__entity_id="91420100A1")
    assert (
        match.batch == now and match.explanation["steps"][2]["values"]["revenue_last_year"] == 8e6
    )
