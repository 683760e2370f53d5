"""Personas and places for the 好差评 tests, built on the reference data.

- the resident 王小明 (signed-in account, phone 13912345678)
- a window clerk and a department officer of 市人社局 (the department that served him)
- an officer of 市公安局 (another department: may not touch 市人社局's rectifications)
- a supervisor of 市政务服务局 (reviews appeals, assigns the desk, escalations go there)
- a 12345 agent (types in ratings given over the phone)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import count
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from govsvc.accounts.models import StaffProfile
from govsvc.catalog.models import ServiceItem
from govsvc.directory.models import Department, HallWindow
from govsvc.evaluations import services
from govsvc.evaluations.models import ServiceAct
from govsvc.evaluations.tests.factories import RESIDENT_PHONE

_numbers = count(1)


@dataclass
class People:
    resident: User
    clerk: User
    officer: User
    other_officer: User
    supervisor: User
    agent: User


def staff(username: str, role: str, department: Department | None, name: str = "") -> User:
    # No password: tests sign in with force_login, and hashing one costs ~0.3 s.
    user = User.objects.create_user(username, first_name=name)
    StaffProfile.objects.create(user=user, role=role, department=department)
    return user


@pytest.fixture
def labour(db: Any) -> Department:
    return Department.objects.get(short_name="市人社局")


@pytest.fixture
def police(db: Any) -> Department:
    return Department.objects.get(short_name="市公安局")


@pytest.fixture
def office(db: Any) -> Department:
    return Department.objects.get(short_name="市政务服务局")


@pytest.fixture
def item(labour: Department) -> ServiceItem:
    return ServiceItem.objects.filter(
        department=labour, implementation_code__isnull=False
    ).order_by("pk")[0]


@pytest.fixture
def window(db: Any) -> HallWindow:
    return HallWindow.objects.get(hall__code="WH-CITY-01", number="A02")


@pytest.fixture
def people(labour: Department, police: Department, office: Department) -> People:
    return People(
        resident=User.objects.create_user("wangxm", first_name="王小明"),
        clerk=staff("clerk", "window_clerk", labour, "李窗口"),
        officer=staff("officer", "department_officer", labour, "张经办"),
        other_officer=staff("police", "department_officer", police, "赵民警"),
        supervisor=staff("supervisor", "supervisor", office, "周督办"),
        agent=staff("agent", "hotline_agent", office, "吴话务"),
    )


@pytest.fixture
def make_act(labour: Department, item: ServiceItem, window: HallWindow, people: People) -> Any:
    def make(
        kind: str = "case_completed",
        *,
        anonymous_person: bool = False,
        occurred_at: dt.datetime | None = None,
        **overrides: Any,
    ) -> ServiceAct:
        values: dict[str, Any] = {
            "kind": kind,
            "reference": f"WH{next(_numbers):08d}",
            "department": labour,
            "item": item,
            "window": window,
            "staff": people.clerk,
            "occurred_at": occurred_at or timezone.now(),
        }
        if not anonymous_person:
            values.update(person=people.resident, person_name="王小明", phone=RESIDENT_PHONE)
        values.update(overrides)
        return services.record_act(**values)

    return make
