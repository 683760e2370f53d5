"""Small builders for catalog tests, independent of the shipped data files."""

from itertools import count
from typing import Any

from django.contrib.auth.models import Group, User
from stdnum.cn import uscc

from govsvc.accounts.demo import ensure_groups
from govsvc.accounts.models import StaffProfile, StaffRole
from govsvc.catalog.models import ServiceItem, Status
from govsvc.catalog.services import implementation_code, save_item
from govsvc.directory.models import Department, Region

_seq = count(1)

MATERIALS = [
    {"name": "居民身份证", "required": True, "form": "paper_or_electronic", "source": "certificate",
     "copies": 1, "promise_allowed": False, "may_follow": False},
    {"name": "申请表", "required": True, "form": "paper", "source": "applicant",
     "copies": 1, "promise_allowed": False, "may_follow": True},
]  # fmt: skip


def department(name: str = "测试局", level: str = "city") -> Department:
    n = next(_seq)
    body = f"11420100T{n:08d}"
    return Department.objects.create(
        code=body + uscc.calc_check_digit(body),
        name=f"武汉市{name}{n}",
        short_name=f"{name}{n}",
        level=level,
        region=Region.objects.get(code="420100000000"),
    )


def base_item(dept: Department | None = None, **values: Any) -> ServiceItem:
    dept = dept or department()
    n = next(_seq)
    item = ServiceItem(
        basic_code=values.pop("basic_code", f"000199{n:03d}000"),
        name=values.pop("name", f"测试事项{n}"),
        item_type="01",
        level="city",
        region=Region.objects.get(code="420100000000"),
        department=dept,
        objects_served=["自然人"],
        steps=["申请", "受理", "决定"],
        promised_days=5,
        statutory_days=20,
        status=values.pop("status", Status.PUBLISHED),
        **values,
    )
    save_item(item, MATERIALS)
    return item


def implementation(base: ServiceItem, level: str = "district", **changes: Any) -> ServiceItem:
    dept = changes.pop("department", None) or department(level="district")
    materials = changes.pop("materials", MATERIALS)
    item = ServiceItem(
        base=base,
        basic_code=base.basic_code,
        implementation_code=implementation_code(dept.code, level, base.basic_code),
        department=dept,
        region=dept.region,
        status=Status.REVIEW,
    )
    for field in (
        "name", "item_type", "objects_served", "legal_basis", "conditions", "steps",
        "statutory_days", "promised_days", "fee", "forms", "online_depth", "visits",
        "case_kind", "result_name", "result_type",
    ):  # fmt: skip
        setattr(item, field, getattr(base, field))
    item.level = level
    for key, value in changes.items():
        setattr(item, key, value)
    save_item(item, materials)
    return item


def staff(username: str, role: str, dept: Department | None, group: str | None) -> User:
    groups: dict[str, Group] = ensure_groups()
    user = User.objects.create_user(username, password="pw-for-tests-1", is_staff=True)
    StaffProfile.objects.create(user=user, role=role, department=dept)
    if group:
        user.groups.add(groups[group])
    return user


def catalog_officer(dept: Department) -> User:
    return staff(f"officer{next(_seq)}", StaffRole.CATALOG_OFFICER, dept, "事项管理员")


def reviewer() -> User:
    return staff(f"reviewer{next(_seq)}", StaffRole.REVIEWER, None, "事项审核员")
