# ruff: noqa: S608  -- SQL here is built from checked rule trees: identifiers are quoted and
# literals escaped by govsvc.policies.rules.sql; profile values travel through Arrow.
"""State changes of the policy service. Each runs in one transaction and writes its audit row."""

import hashlib
import logging
import math
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pyarrow as pa
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from govsvc.core import audit
from govsvc.policies.adapters import finance_gateway, sms_sender
from govsvc.policies.batch import TABLE, ProfileTable
from govsvc.policies.models import (
    Audience,
    BatchStatus,
    DeliveryMode,
    FinanceExport,
    Match,
    MatchBatch,
    MatchStatus,
    Notification,
    PaymentOrder,
    PaymentStatus,
    Policy,
    PolicyStatus,
    PolicyVersion,
    Profile,
    VersionStatus,
)
from govsvc.policies.profiles import profile_rows
from govsvc.policies.rules import (
    CheckedRule,
    Explanation,
    FieldType,
    Schema,
    compile_amount,
    compile_rule,
    explain,
)
from govsvc.policies.rules.evaluator import amount as amount_of
from govsvc.policies.rules.evaluator import read_value
from govsvc.policies.rules.schema import SCHEMAS
from govsvc.policies.rules.sql import DUCKDB, amount_sql, to_sql

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ARROW_TYPES = {
    FieldType.NUMBER: pa.float64(),
    FieldType.STRING: pa.string(),
    FieldType.BOOL: pa.bool_(),
    FieldType.DATE: pa.date32(),
}
GROUPS = {Audience.ENTERPRISE: ("registered_region", "industry"),
          Audience.RESIDENT: ("registered_region", "household_type")}  # fmt: skip


class PolicyActionError(ValueError):
    """An action refused for a reason the user can act on; the message says which."""


def schema_for(audience: str) -> Schema:
    return SCHEMAS[audience]


# Versions, review and publication


def check_version_text(
    audience: str, rule: str, formula: str
) -> tuple[CheckedRule, CheckedRule | None]:
    schema = schema_for(audience)
    checked = compile_rule(rule, schema)
    amount = compile_amount(formula, schema) if formula.strip() else None
    return checked, amount


@transaction.atomic
def create_version(
    policy: Policy, *, rule: str, amount: Decimal | None, formula: str, author: Any
) -> PolicyVersion:
    """Save a draft version; the rule and formula are checked first (RuleError if wrong)."""
    check_version_text(policy.audience, rule, formula)
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=locked,
        number=number,
        rule=rule,
        amount=amount,
        amount_formula=formula.strip(),
        author=author if author is not None and author.is_authenticated else None,
    )
    audit.record(
        "policy_version_created", version, actor=author, summary=f"{policy.code} v{number}"
    )
    return version


@transaction.atomic
def submit_version(version: PolicyVersion, actor: Any) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in (VersionStatus.DRAFT, VersionStatus.REJECTED):
        raise PolicyActionError("只有草稿或被退回的版本可以提交审核")
    version.status = VersionStatus.IN_REVIEW
    version.save(update_fields=["status"])
    audit.record("policy_version_submitted", version, actor=actor)
    return version


@transaction.atomic
def review_version(
    version: PolicyVersion, reviewer: Any, *, approve: bool, note: str = ""
) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.IN_REVIEW:
        raise PolicyActionError("该版本不在待审核状态")
    if version.author_id is not None and version.author_id == reviewer.pk:
        raise PolicyActionError("起草人不能审核自己的版本")
    version.status = VersionStatus.APPROVED if approve else VersionStatus.REJECTED
    version.reviewer = reviewer
    version.review_note = note[:500]
    version.reviewed_at = timezone.now()
    version.save(update_fields=["status", "reviewer", "review_note", "reviewed_at"])
    audit.record("policy_version_reviewed", version, actor=reviewer, data={"approve": approve})
    return version


@transaction.atomic
def publish(policy: Policy, version: PolicyVersion, actor: Any) -> Policy:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    version = PolicyVersion.objects.get(pk=version.pk)
    if version.policy_id != policy.pk or version.status != VersionStatus.APPROVED:
        raise PolicyActionError("只能发布审核通过的版本")
    policy.published_version = version
    policy.status = PolicyStatus.PUBLISHED
    policy.save(update_fields=["published_version", "status"])
    audit.record("policy_published", policy, actor=actor, summary=f"v{version.number}")
    return policy


# Matching one profile (online) and all profiles (batch)


def explain_profile(
    policy: Policy, profile: Profile, version: PolicyVersion | None = None
) -> Explanation:
    version = version or policy.published_version
    if version is None:
        raise PolicyActionError("该政策尚未发布")
    rule = compile_rule(version.rule, schema_for(policy.audience))
    return explain(rule, profile.values)


MAX_AMOUNT = 1e12  # a payment order holds at most 14 digits with 2 decimals


def money(value: float | None) -> Decimal | None:
    """A computed amount in yuan, at least 0; None when unknown or beyond any budget."""
    if value is None or not math.isfinite(value) or value >= MAX_AMOUNT:
        return None
    return Decimal(repr(max(value, 0.0))).quantize(CENT, ROUND_HALF_UP)


def payout(version: PolicyVersion, values: dict[str, Any]) -> Decimal | None:
    if version.amount_formula:
        formula = compile_amount(version.amount_formula, schema_for(version.policy.audience))
        return money(amount_of(formula, values))
    return version.amount


def arrow_profiles(audience: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Profile rows of ``audience`` as an Arrow table in the schema's types."""
    schema = schema_for(audience)
    columns: dict[str, pa.Array] = {
        "entity_id": pa.array([r["entity_id"] for r in rows], pa.int64())
    }
    for name, kind in schema.types.items():
        values = [read_value(r.get(name), kind) for r in rows]
        columns[name] = pa.array(values, ARROW_TYPES[kind])
    return pa.table(columns)


def _duck_table(audience: str, rows: list[dict[str, Any]]) -> tuple[ProfileTable, int]:
    con = duckdb.connect(":memory:")
    con.register("source_profiles", arrow_profiles(audience, rows))
    table = ProfileTable(con, "source_profiles", schema_for(audience))
    count = table.materialise(schema_for(audience).names())
    return table, count


@transaction.atomic
def start_batch(audience: str, actor: Any, as_of: date | None = None) -> MatchBatch:
    batch = MatchBatch.objects.create(
        audience=audience,
        as_of=as_of,
        started_by=actor if actor is not None and actor.is_authenticated else None,
        policies_total=Policy.objects.filter(
            audience=audience, status=PolicyStatus.PUBLISHED
        ).count(),
    )
    audit.record("policy_batch_started", batch, actor=actor)
    return batch


def run_batch(batch: MatchBatch) -> MatchBatch:
    """Match every published policy of the batch's audience over every profile.

    Profiles are read as they stood on ``batch.as_of`` (current values when empty). One
    DuckDB query per policy; progress is saved after each. Matches already found for the
    same version are kept, not duplicated.
    """
    MatchBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    policies = list(
        Policy.objects.filter(audience=batch.audience, status=PolicyStatus.PUBLISHED)
        .select_related("published_version")
        .order_by("code")
    )
    try:
        rows = list(profile_rows(batch.audience, batch.as_of))
        values = {row["entity_id"]: row for row in rows}
        table, count = _duck_table(batch.audience, rows)
        MatchBatch.objects.filter(pk=batch.pk).update(profiles=count, policies_total=len(policies))
        found = 0
        for done, policy in enumerate(policies, start=1):
            found += _match_policy(batch, table, policy, values)
            MatchBatch.objects.filter(pk=batch.pk).update(policies_done=done, matches=found)
        table.con.close()
    except Exception as exc:
        logger.exception("policy_batch_failed batch_id=%s", batch.pk)
        MatchBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error=str(exc)[:2000]
        )
        batch.refresh_from_db()
        return batch
    MatchBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DONE, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    logger.info("policy_batch_done batch_id=%s matches=%s", batch.pk, batch.matches)
    return batch


def _match_policy(
    batch: MatchBatch, table: ProfileTable, policy: Policy, values: dict[int, dict[str, Any]]
) -> int:
    version = policy.published_version
    assert version is not None
    rule = compile_rule(version.rule, schema_for(policy.audience))
    ids = [
        row[0]
        for row in table.con.execute(
            f"SELECT entity_id FROM {TABLE} WHERE {to_sql(rule, where=True)}"
        ).fetchall()
    ]
    existing = set(
        Match.objects.filter(version=version, profile_id__in=ids).values_list(
            "profile_id", flat=True
        )
    )
    new = [
        Match(
            policy=policy,
            version=version,
            profile_id=pk,
            batch=batch,
            explanation=explain(rule, values[pk]).as_dict(),
            amount=payout(version, values[pk]),
        )
        for pk in sorted(set(ids) - existing)
    ]
    with transaction.atomic():
        Match.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        audit.record(
            "policy_matched",
            policy,
            summary=f"批次 {batch.pk}: {len(ids)}",
            data={"batch": batch.pk},
        )
    return len(ids)


# Simulation before publishing


@dataclass
class Simulation:
    qualified: int
    profiles: int
    total_payout: Decimal | None
    budget: Decimal | None
    groups: list[dict[str, Any]] = field(default_factory=list)
    unknown_amounts: int = 0

    @property
    def over_budget(self) -> bool:
        return (
            self.budget is not None
            and self.total_payout is not None
            and self.total_payout > self.budget
        )


def simulate(version: PolicyVersion) -> Simulation:
    """How many would qualify, by region and industry, and what it would cost."""
    policy = version.policy
    rule, formula = check_version_text(policy.audience, version.rule, version.amount_formula)
    table, count = _duck_table(policy.audience, list(profile_rows(policy.audience)))
    first, second = (DUCKDB.ident(name) for name in GROUPS[Audience(policy.audience)])
    if formula is not None:
        amount = f"GREATEST({amount_sql(formula)}, 0)"
    elif version.amount is not None:
        amount = f"CAST('{version.amount}' AS DOUBLE)"
    else:
        amount = "CAST(NULL AS DOUBLE)"
    where = to_sql(rule, where=True)
    rows = table.con.execute(
        f"SELECT {first}, {second}, count(*), sum(a), count(*) - count(a) FROM "
        f"(SELECT {first}, {second}, {amount} AS a FROM {TABLE} WHERE {where}) "
        f"GROUP BY ALL ORDER BY 3 DESC, 4 DESC NULLS LAST, 1, 2"
    ).fetchall()
    table.con.close()
    payouts = [money(r[3]) for r in rows]
    groups = [
        {"region": r[0] or "（未知）", "group": r[1] or "（未知）", "count": int(r[2]),
         "payout": paid}
        for r, paid in zip(rows, payouts, strict=True)
    ]  # fmt: skip
    known = [paid for paid in payouts if paid is not None]
    return Simulation(
        qualified=sum(int(r[2]) for r in rows),
        profiles=count,
        total_payout=sum(known, Decimal(0)) if known else None,
        budget=policy.budget,
        groups=groups,
        unknown_amounts=sum(int(r[4]) for r in rows) if formula is not None else 0,
    )


# Push, confirm and pay


def push(batch: MatchBatch) -> int:
    """Tell each newly matched beneficiary, in the app and by SMS, with the explanation."""
    sender = sms_sender()
    pushed = 0
    matches = Match.objects.filter(batch=batch, status=MatchStatus.MATCHED).select_related(
        "policy", "profile"
    )
    for match in matches:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                match=match,
                defaults={
                    "profile": match.profile,
                    "title": f"您符合“{match.policy.title}”",
                    "body": _message(match),
                },
            )
            Match.objects.filter(pk=match.pk).update(status=MatchStatus.NOTIFIED)
        if created:
            pushed += 1
            if match.profile.phone:
                sender.send(match.profile.phone, notification.title)
    logger.info("policy_matches_pushed batch_id=%s pushed=%s", batch.pk, pushed)
    return pushed


def _message(match: Match) -> str:
    held = [step["condition"] for step in match.explanation.get("steps", []) if step.get("held")]
    action = (
        "资金将直接拨付至您的账户，无需申请"
        if match.policy.mode == DeliveryMode.NO_APPLY
        else "请登录平台一键确认申领"
    )
    return f"经比对，您满足以下条件：{'；'.join(held)}。{action}。"


def create_payment_orders(policy: Policy, period: str, actor: Any) -> int:
    """免申即享: one order per matched beneficiary for ``period``; repeats add nothing."""
    if policy.mode != DeliveryMode.NO_APPLY:
        raise PolicyActionError("即申即享政策须由受益人确认后生成支付单")
    created = 0
    matches = Match.objects.filter(policy=policy, version=policy.published_version).select_related(
        "profile"
    )
    for match in matches:
        if _order(match, period) is not None:
            created += 1
    audit.record("policy_orders_created", policy, actor=actor, summary=f"{period}: {created}")
    return created


def confirm(match: Match, user: Any, period: str) -> PaymentOrder:
    """即申即享: the matched beneficiary confirms with one click."""
    if match.profile.user_id != user.pk:
        raise PolicyActionError("只能确认本人（本企业）的匹配结果")
    if match.policy.mode != DeliveryMode.CONFIRM:
        raise PolicyActionError("免申即享政策无需确认")
    order = _order(match, period) or PaymentOrder.objects.get(
        policy=match.policy, period=period, profile=match.profile
    )
    Match.objects.filter(pk=match.pk).update(status=MatchStatus.CONFIRMED)
    audit.record("policy_match_confirmed", match, actor=user)
    return order


def _order(match: Match, period: str) -> PaymentOrder | None:
    """Create the order unless one exists for this policy, period and beneficiary."""
    amount = match.amount if match.amount is not None else match.version.amount
    if amount is None:
        return None
    try:
        with transaction.atomic():
            order = PaymentOrder.objects.create(
                policy=match.policy,
                period=period,
                profile=match.profile,
                match=match,
                amount=amount,
                account=match.profile.bank_account,
            )
            Match.objects.filter(pk=match.pk).update(status=MatchStatus.ORDERED)
    except IntegrityError:  # already paid or pending for this period: the constraint decides
        return None
    return order


@transaction.atomic
def review_payment(
    order: PaymentOrder, reviewer: Any, *, approve: bool, note: str = ""
) -> PaymentOrder:
    order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != PaymentStatus.PENDING_REVIEW:
        raise PolicyActionError("该支付单不在待审核状态")
    if approve and not order.account:
        raise PolicyActionError("受益人没有收款账户，不能审核通过")
    order.status = PaymentStatus.APPROVED if approve else PaymentStatus.REJECTED
    order.reviewer = reviewer
    order.review_note = note[:500]
    order.save(update_fields=["status", "reviewer", "review_note"])
    audit.record("policy_payment_reviewed", order, actor=reviewer, data={"approve": approve})
    return order


def hand_over(actor: Any) -> FinanceExport | None:
    """Hand every approved order not yet handed over to finance, once.

    The key is a hash of the order ids, so a retry after a crash finds the same key and the
    same file, and the database constraint on the key refuses a second hand-off row.
    """
    with transaction.atomic():
        orders = list(
            PaymentOrder.objects.select_for_update()
            .filter(status=PaymentStatus.APPROVED, export__isnull=True)
            .select_related("policy", "profile")
            .order_by("pk")
        )
        if not orders:
            return None
        key = "FX-" + hashlib.sha256(",".join(str(o.pk) for o in orders).encode()).hexdigest()[:24]
        rows = [
            {"order_id": str(o.pk), "policy_code": o.policy.code, "period": o.period,
             "beneficiary": o.profile.entity_id, "account": o.account, "amount": str(o.amount)}
            for o in orders
        ]  # fmt: skip
        path = finance_gateway().hand_over(key, rows)
        export, _ = FinanceExport.objects.get_or_create(
            key=key,
            defaults={
                "file_name": path,
                "orders": len(orders),
                "total": sum((o.amount for o in orders), Decimal(0)),
                "created_by": actor if actor is not None and actor.is_authenticated else None,
            },
        )
        PaymentOrder.objects.filter(pk__in=[o.pk for o in orders]).update(
            export=export, status=PaymentStatus.HANDED_OVER
        )
        audit.record(
            "policy_payments_handed_over", export, actor=actor, summary=f"{len(orders)} 笔"
        )
    return export
