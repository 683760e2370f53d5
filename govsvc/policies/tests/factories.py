"""Personas and objects for the policy tests."""

import io
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User

from govsvc.policies import profiles, services
from govsvc.policies.models import Audience, DeliveryMode, Policy, PolicyVersion

ENTERPRISES_CSV = """entity_id,name,phone,bank_account,registered_region,industry,is_high_tech,revenue_last_year,insured_employees
91420100A1,光谷芯片有限公司,13800000001,6222000000000001,江岸区,制造业,是,8000000,30
91420100A2,武昌软件有限公司,13800000002,6222000000000002,武昌区,信息传输、软件和信息技术服务业,true,5000000,12
91420100A3,汉阳餐饮有限公司,13800000003,,汉阳区,住宿和餐饮业,0,9000000,50
91420100A4,江岸贸易有限公司,,6222000000000004,江岸区,批发和零售业,1,,8
,无编码企业,,,江岸区,制造业,1,1,1
91420100A6,坏数据企业,,,江岸区,制造业,也许,一千万,1
"""

HIGH_TECH_RULE = (
    'registered_region in ("江岸区", "武昌区") and is_high_tech and revenue_last_year >= 5e6'
)


def staff(username: str) -> User:
    # No password: hashing one costs half a second and the tests log in with force_login.
    return User.objects.create(username=username, is_staff=True)


def resident(username: str) -> User:
    return User.objects.create(username=username)


def load_enterprises(as_of: date = date(2025, 6, 30)) -> None:
    profiles.import_profiles(
        "enterprises.csv",
        io.BytesIO(ENTERPRISES_CSV.encode()),
        kind=Audience.ENTERPRISE,
        as_of=as_of,
    )


def policy(
    code: str = "WH-HT-01",
    *,
    mode: str = DeliveryMode.NO_APPLY,
    budget: Decimal | None = Decimal("100000"),
) -> Policy:
    return Policy.objects.create(
        code=code,
        title="高新技术企业认定奖励",
        audience=Audience.ENTERPRISE,
        mode=mode,
        legal_source="武政〔2025〕9号",
        domain="科技创新",
        beneficiaries="注册在江岸区、武昌区的高新技术企业",
        budget=budget,
        payment_path="市财政直接拨付至企业基本账户",
    )


def published(
    code: str = "WH-HT-01",
    *,
    rule: str = HIGH_TECH_RULE,
    amount: Decimal | None = Decimal("20000"),
    formula: str = "",
    mode: str = DeliveryMode.NO_APPLY,
    drafter: User | None = None,
    reviewer: User | None = None,
) -> tuple[Policy, PolicyVersion]:
    drafter = drafter or staff(f"drafter-{code}")
    reviewer = reviewer or staff(f"reviewer-{code}")
    item = policy(code, mode=mode)
    version = services.create_version(
        item, rule=rule, amount=amount, formula=formula, author=drafter
    )
    services.submit_version(version, drafter)
    services.review_version(version, reviewer, approve=True)
    services.publish(item, version, reviewer)
    item.refresh_from_db()
    version.refresh_from_db()
    return item, version
