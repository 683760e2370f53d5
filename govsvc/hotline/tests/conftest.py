"""Shared fixtures for the hotline tests: personas, regions, departments, categories."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from govsvc.accounts.models import StaffProfile
from govsvc.directory.models import Department, Region
from govsvc.hotline import classifier, services
from govsvc.hotline.models import Category, DispatchRule, Ticket


@pytest.fixture(scope="session")
def default_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small default model for the whole run, trained from the generator."""
    path = tmp_path_factory.mktemp("model") / "default.pkl.gz"
    classifier.train_default(path, count_per_class=120)
    return path


@pytest.fixture(autouse=True)
def _use_test_model(default_model_file: Path) -> None:
    settings.HOTLINE_MODEL_PATH = str(default_model_file)
    classifier.forget_loaded()


# --- personas and places ------------------------------------------------------------------


@dataclass
class Places:
    city: Region
    district: Region
    street: Region
    community: Region
    other_street: Region


def region(code: str, name: str, level: str, parent: Region | None = None) -> Region:
    """Reference data may already hold the region; tests use it as it is."""
    found, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return found


@pytest.fixture
def places(db) -> Places:
    city = region("420100000000", "武汉市", "city")
    district = region("420106000000", "武昌区", "district", city)
    street = region("420106991000", "测试甲街", "street", district)
    community = region("420106991001", "测试甲社区", "community", street)
    other = region("420106992000", "测试乙街", "street", district)
    return Places(city, district, street, community, other)


def make_department(code_tail: str, name: str, region: Region) -> Department:
    return Department.objects.create(
        code=f"12420100HL{code_tail:0>8}",
        name=name,
        short_name=name,
        level="city",
        region=region,
    )


@pytest.fixture
def labour_bureau(places) -> Department:
    return make_department("1", "市人社局", places.city)


@pytest.fixture
def urban_bureau(places) -> Department:
    return make_department("2", "武昌区城管执法局", places.district)


@pytest.fixture
def catalogue(places, labour_bureau, urban_bureau) -> None:
    # The tests' own catalogue, not the one data/hotline/dispatch.yaml loads for the session.
    DispatchRule.objects.all().delete()
    DispatchRule.objects.create(
        category=Category.objects.get(code="labour"), department=labour_bureau
    )
    DispatchRule.objects.create(
        category=Category.objects.get(code="urban"),
        region=places.district,
        department=urban_bureau,
    )


def make_staff(username: str, role: str, department: Department | None = None) -> User:
    # No password: hashing one costs a third of a second per persona.
    user = User.objects.create(username=username)
    StaffProfile.objects.create(user=user, role=role, department=department)
    return user


@pytest.fixture
def agent(db) -> User:
    """小王, a 12345 phone agent."""
    return make_staff("agent_wang", "hotline_agent")


@pytest.fixture
def labour_officer(labour_bureau) -> User:
    """老李, who handles tickets at the labour bureau."""
    return make_staff("officer_li", "department_officer", labour_bureau)


@pytest.fixture
def urban_officer(urban_bureau) -> User:
    return make_staff("officer_zhao", "department_officer", urban_bureau)


@pytest.fixture
def supervisor(db) -> User:
    return make_staff("supervisor_chen", "supervisor")


def new_ticket(
    places: Places, content: str = "公司拖欠我三个月工资，老板不接电话", **extra
) -> Ticket:
    fields = {
        "content": content,
        "kind": "complaint",
        "caller_name": "张三丰",
        "caller_phone": "13812345678",
        "address": "武昌区积玉桥街和平大道100号",
        "region": places.community,
        **extra,
    }
    return services.receive(services.Intake(**fields))
