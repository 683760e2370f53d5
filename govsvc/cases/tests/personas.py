"""Named people for case tests: a resident, an enterprise, window clerks and officers."""

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from stdnum.cn import ric, uscc

from govsvc.accounts.models import StaffProfile, StaffRole
from govsvc.cases.models import Applicant
from govsvc.directory.models import Department

_seq = itertools.count(1)


def id_number(birth: dt.date = dt.date(1990, 5, 17)) -> str:
    body = f"420102{birth:%Y%m%d}{next(_seq) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code() -> str:
    body = f"91420100MA{next(_seq):07d}"
    return body + uscc.calc_check_digit(body)


def client_for(user: User) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    return client


def resident(name: str = "王小明") -> tuple[User, Applicant]:
    user = User.objects.create_user(f"resident{next(_seq)}", password="pw-resident-1")
    applicant = Applicant.objects.create(
        kind="person", user=user, name=name, id_number=id_number(), phone="13800138000",
        address="江岸区后湖街道百步亭社区1栋",
    )  # fmt: skip
    return user, applicant


def enterprise(name: str = "武汉楚味餐饮管理有限公司") -> tuple[User, Applicant]:
    user = User.objects.create_user(f"company{next(_seq)}", password="pw-company-1")
    applicant = Applicant.objects.create(
        kind="legal", user=user, name=name, credit_code=credit_code(), phone="02785550000",
        address="武昌区中北路1号",
    )  # fmt: skip
    return user, applicant


def staff(dept: Department, role: str = StaffRole.DEPARTMENT_OFFICER) -> User:
    user = User.objects.create_user(f"staff{next(_seq)}", password="pw-staff-1")
    StaffProfile.objects.create(user=user, department=dept, role=role)
    return user


def sample_value(field: dict[str, Any]) -> Any:
    """A valid value for a field of the data dictionary, by its type."""
    kind = field["type"]
    if kind == "id_number":
        return id_number()
    if kind == "credit_code":
        return credit_code()
    if kind in {"phone", "mobile"}:
        return "13900139000"
    if kind == "date":
        return "2026-11-20"
    if kind in {"integer", "decimal"}:
        return "50"
    if kind == "bool":
        return True
    if kind == "email":
        return "someone@example.cn"
    if kind == "choice":
        return field["choices"][0]
    return "测试内容"


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% sample\n", content_type="application/pdf")
