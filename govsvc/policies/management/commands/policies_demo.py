"""Demo data for the policy pages: three published policies, generated profiles, one batch.

Safe to run twice: existing policies and users are kept, profiles are re-imported.
"""

import csv
import io
import random
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from govsvc.accounts.demo import DEMO_PASSWORD
from govsvc.policies import profiles, services
from govsvc.policies.models import Audience, DeliveryMode, Policy, PolicyStatus, Profile

REGIONS = ["江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区", "江夏区"]
INDUSTRIES = ["制造业", "信息传输、软件和信息技术服务业", "批发和零售业", "住宿和餐饮业"]
POLICIES = [
    {
        "code": "WH-KJ-2025-01",
        "title": "高新技术企业认定奖励",
        "audience": Audience.ENTERPRISE,
        "mode": DeliveryMode.NO_APPLY,
        "domain": "科技创新",
        "legal_source": "武政〔2025〕9号",
        "beneficiaries": "注册在本市、上年度营业收入 500 万元以上的高新技术企业",
        "budget": Decimal("2000000"),
        "payment_path": "市财政直接拨付至企业基本账户",
        "rule": "is_high_tech and revenue_last_year >= 5e6 and not has_credit_issue",
        "amount": Decimal("200000"),
        "formula": "",
    },
    {
        "code": "WH-RS-2025-02",
        "title": "稳岗就业补贴",
        "audience": Audience.ENTERPRISE,
        "mode": DeliveryMode.CONFIRM,
        "domain": "就业创业",
        "legal_source": "武政〔2025〕9号",
        "beneficiaries": "参保职工 10 人以上的中小微企业",
        "budget": Decimal("500000"),
        "payment_path": "企业确认后由人社部门拨付",
        "rule": "is_small_micro and insured_employees >= 10",
        "amount": None,
        "formula": "insured_employees * 500",
    },
    {
        "code": "WH-MZ-2025-03",
        "title": "高龄津贴",
        "audience": Audience.RESIDENT,
        "mode": DeliveryMode.NO_APPLY,
        "domain": "养老服务",
        "legal_source": "武政〔2025〕9号",
        "beneficiaries": "本市户籍 80 周岁以上老年人",
        "budget": Decimal("100000"),
        "payment_path": "按月发放至社保卡",
        "rule": 'age >= 80 and household_type == "本市户籍"',
        "amount": Decimal("1200"),
        "formula": "",
    },
]


def _csv(rows: list[dict[str, Any]]) -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(buffer.getvalue().encode())


def enterprise_rows(rng: random.Random, count: int) -> list[dict[str, Any]]:
    return [
        {
            "entity_id": f"91420100DEMO{n:06d}",
            "name": f"武汉示范企业{n}号有限公司",
            "phone": f"1380000{n:04d}",
            "bank_account": f"622200000000{n:04d}",
            "registered_region": rng.choice(REGIONS),
            "industry": rng.choice(INDUSTRIES),
            "is_high_tech": rng.random() < 0.3,
            "is_small_micro": rng.random() < 0.7,
            "has_credit_issue": rng.random() < 0.05,
            "revenue_last_year": round(rng.lognormvariate(15.5, 1.0), 2),
            "insured_employees": rng.randint(1, 80),
        }
        for n in range(1, count + 1)
    ]


def resident_rows(rng: random.Random, count: int) -> list[dict[str, Any]]:
    return [
        {
            "entity_id": f"4201021940{n:08d}",
            "name": f"居民{n}",
            "phone": f"1390000{n:04d}",
            "bank_account": f"621700000000{n:04d}",
            "registered_region": rng.choice(REGIONS),
            "household_type": rng.choice(["本市户籍", "本市户籍", "外地户籍"]),
            "age": rng.randint(60, 99),
        }
        for n in range(1, count + 1)
    ]


class Command(BaseCommand):
    help = "生成政策服务演示数据：3 项已发布政策、示范画像、一次批量匹配与推送"

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(2025)  # noqa: S311 - demo data, not secrets
        clerk = self._user("policy_clerk", staff=True)
        reviewer = self._user("policy_reviewer", staff=True)
        for kind, rows in (
            (Audience.ENTERPRISE, enterprise_rows(rng, 60)),
            (Audience.RESIDENT, resident_rows(rng, 40)),
        ):
            profiles.import_profiles(
                f"demo-{kind}.csv", _csv(rows), kind=kind, as_of=date(2025, 6, 30), actor=clerk
            )
        Profile.objects.filter(entity_id="91420100DEMO000001").update(
            user=self._user("enterprise_demo")
        )
        Profile.objects.filter(entity_id="420102194000000001").update(
            user=self._user("resident_demo")
        )
        for spec in POLICIES:
            self._policy(spec, clerk, reviewer)
        for audience in Audience.values:
            batch = services.run_batch(services.start_batch(audience, clerk))
            pushed = services.push(batch)
            self.stdout.write(f"{audience}: 匹配 {batch.matches} 条，推送 {pushed} 条")
        self.stdout.write(
            f"工作人员 policy_clerk / policy_reviewer，企业 enterprise_demo，居民 resident_demo，"
            f"密码 {DEMO_PASSWORD}；页面 /policies/"
        )

    def _user(self, username: str, staff: bool = False) -> User:
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": staff})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _policy(self, spec: dict[str, Any], clerk: User, reviewer: User) -> None:
        fields = {k: v for k, v in spec.items() if k not in ("code", "rule", "amount", "formula")}
        policy, _ = Policy.objects.get_or_create(code=spec["code"], defaults=fields)
        if policy.status == PolicyStatus.PUBLISHED:
            return
        version = services.create_version(
            policy, rule=spec["rule"], amount=spec["amount"], formula=spec["formula"], author=clerk
        )
        services.submit_version(version, clerk)
        services.review_version(version, reviewer, approve=True, note="演示数据")
        services.publish(policy, version, reviewer)
