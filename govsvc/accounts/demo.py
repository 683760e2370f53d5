"""Demo accounts for the embedded platform, so a newcomer can walk the whole service."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from govsvc.accounts.models import StaffProfile, StaffRole
from govsvc.directory.models import Department

DEMO_PASSWORD = "demo-12345"  # noqa: S105 - printed at start-up, embedded demo only
DEMO_BUNDLES = (8, 12, 13)
# Valid check characters; not real people or companies.
DEMO_ID_NUMBER = "420102199001011236"
DEMO_CREDIT_CODE = "91420100MA4KDEM01W"  # 新生儿出生, 开办餐饮店, 企业注销登记
HOTLINE_DEMO_DEPARTMENT = "江岸区城管执法局"

ROLE_GROUPS = {
    "事项管理员": [
        "catalog.view_serviceitem",
        "catalog.change_serviceitem",
        "catalog.add_serviceitem",
        "catalog.view_itemmaterial",
        "catalog.change_itemmaterial",
        "catalog.add_itemmaterial",
        "catalog.delete_itemmaterial",
        "catalog.view_itemversion",
    ],
    "事项审核员": [
        "catalog.view_serviceitem",
        "catalog.change_serviceitem",
        "catalog.publish_serviceitem",
        "catalog.view_itemmaterial",
        "catalog.view_itemversion",
        "bundles.view_bundle",
        "bundles.change_bundle",
    ],
}


@dataclass
class DemoAccount:
    username: str
    role: str
    department: str = ""


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_groups() -> dict[str, Group]:
    groups = {}
    for name, perms in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(p) for p in perms])
        groups[name] = group
    return groups


def _user(username: str, *, staff: bool = False, superuser: bool = False, name: str = "") -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"is_staff": staff, "is_superuser": superuser, "first_name": name},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _staff(username: str, role: str, dept: Department | None, group: Group | None) -> DemoAccount:
    user = _user(username, staff=group is not None)
    StaffProfile.objects.update_or_create(user=user, defaults={"role": role, "department": dept})
    if group is not None:
        user.groups.add(group)
    return DemoAccount(username, StaffRole(role).label, dept.short_name if dept else "")


@transaction.atomic
def create_demo_accounts() -> list[DemoAccount]:
    from govsvc.bundles.models import Bundle

    groups = ensure_groups()
    accounts = [DemoAccount("admin", "系统管理员")]
    _user("admin", staff=True, superuser=True, name="管理员")
    from govsvc.cases.models import Applicant

    resident = _user("resident", name="张三")
    Applicant.objects.get_or_create(
        user=resident,
        defaults={
            "kind": "person", "name": "张三", "id_number": DEMO_ID_NUMBER,
            "phone": "13800138000", "address": "江岸区后湖街道百步亭社区",
        },
    )  # fmt: skip
    accounts.append(DemoAccount("resident", "居民"))
    company = _user("enterprise", name="武汉示例餐饮管理有限公司")
    Applicant.objects.get_or_create(
        user=company,
        defaults={
            "kind": "legal", "name": "武汉示例餐饮管理有限公司", "credit_code": DEMO_CREDIT_CODE,
            "phone": "02785550000", "address": "武昌区中北路1号",
        },
    )  # fmt: skip
    accounts.append(DemoAccount("enterprise", "企业"))
    accounts.append(_staff("reviewer", StaffRole.REVIEWER, None, groups["事项审核员"]))

    departments: dict[str, Department] = {}
    for bundle in Bundle.objects.filter(list_no__in=DEMO_BUNDLES).prefetch_related(
        "lead_departments", "departments"
    ):
        for dept in [*bundle.lead_departments.all(), *bundle.departments.all()]:
            departments[dept.code] = dept
    for index, dept in enumerate(sorted(departments.values(), key=lambda d: d.code), start=1):
        accounts.append(_staff(f"dept{index:02d}", StaffRole.DEPARTMENT_OFFICER, dept, None))
        accounts.append(
            _staff(f"catalog{index:02d}", StaffRole.CATALOG_OFFICER, dept, groups["事项管理员"])
        )
    # The 12345 hotline: an agent, the center's supervisor, and the officer of the district
    # department that the dispatch catalogue sends 江岸区's city-management tickets to.
    accounts.append(_staff("agent", StaffRole.HOTLINE_AGENT, None, None))
    accounts.append(_staff("supervisor", StaffRole.SUPERVISOR, None, None))
    urban = Department.objects.filter(short_name=HOTLINE_DEMO_DEPARTMENT).first()
    if urban is not None:
        accounts.append(_staff("urban01", StaffRole.DEPARTMENT_OFFICER, urban, None))
    return accounts
