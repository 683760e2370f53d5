"""The dispatch catalogue shipped in data/hotline/dispatch.yaml, its loader, and the demo."""

from pathlib import Path

import pytest
from django.conf import settings

from govsvc.accounts.demo import create_demo_accounts
from govsvc.core.datafiles import DataFileError
from govsvc.directory.loading import DepartmentResolver
from govsvc.directory.models import Department, Region
from govsvc.hotline import demo, routing
from govsvc.hotline.loading import load_dispatch_rules
from govsvc.hotline.models import Category, DispatchRule, Status

pytestmark = pytest.mark.django_db
SHIPPED = Path(settings.BASE_DIR) / "data" / "hotline" / "dispatch.yaml"


def department(category: str, region: str) -> str:
    found = routing.department_for(
        Category.objects.get(code=category), Region.objects.get(code=region)
    )
    assert found is not None
    return found.short_name


def test_every_category_has_a_citywide_department_and_the_most_local_rule_wins():
    # The session's database was loaded with load_reference_data, dispatch.yaml included.
    categories = set(Category.objects.filter(active=True).values_list("code", flat=True))
    citywide = set(
        DispatchRule.objects.filter(region__isnull=True).values_list("category__code", flat=True)
    )
    assert categories == citywide
    assert department("urban", "420102002003") == "江岸区城管执法局"  # a community of 江岸区
    assert department("urban", "420106001000") == "武昌区城管执法局"  # a street of 武昌区
    assert department("urban", "420107000000") == "市城管执法委"  # 青山区: no local rule
    assert department("labour", "420102002003") == "市人社局"


def test_reloading_keeps_what_the_hotline_office_changed():
    rule = DispatchRule.objects.get(category__code="labour", region__isnull=True)
    other = Department.objects.get(short_name="市民政局")
    rule.department = other
    rule.save()
    counts = load_dispatch_rules(SHIPPED, DepartmentResolver())
    assert counts["created"] == 0 and counts["kept"] == DispatchRule.objects.count()
    assert DispatchRule.objects.get(pk=rule.pk).department == other


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("- {category: nosuch, department: 市人社局}", "未知诉求分类 nosuch"),
        ('- {category: labour, region: "429999000000", department: 市人社局}', "未知区划代码"),
        ("- {category: labour, department: 不存在的局}", "未知部门 不存在的局"),
        ("- {category: labour, department: 市人社局}\n- {category: labour, department: 市民政局}",
         "重复"),
        ("- {department: 市人社局}", "category"),
    ],
)  # fmt: skip
def test_a_bad_rule_names_its_file_and_line(tmp_path, line, message):
    path = tmp_path / "dispatch.yaml"
    path.write_text("# 派单目录\n" + line + "\n", encoding="utf-8")
    before = DispatchRule.objects.count()
    with pytest.raises(DataFileError) as caught:
        load_dispatch_rules(path, DepartmentResolver())
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert caught.value.line in {2, 3}
    assert DispatchRule.objects.count() == before  # one transaction: nothing half-loaded


def test_the_demo_tickets_walk_the_loop_once():
    create_demo_accounts()
    made = demo.create_demo()
    assert [t.status for t in made] == [
        Status.ANSWERED, Status.DISPATCHED, Status.DISPATCHED, Status.RECEIVED, Status.CLOSED,
    ]  # fmt: skip
    assert made[0].department.short_name == "江岸区城管执法局"
    assert made[1].department.short_name == "市人社局"
    assert [t.pk for t in demo.create_demo()] == [t.pk for t in made]
