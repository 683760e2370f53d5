"""The resident's apply page and the staff workbench, through Django's test client."""

import pytest
from django.test import Client

from govsvc.accounts.models import StaffRole
from govsvc.bundles.models import Bundle
from govsvc.cases.models import Case
from govsvc.cases.tests import personas
from govsvc.cases.tests.test_rules import _accepted_newborn

pytestmark = pytest.mark.django_db


def test_apply_page_saves_a_draft_and_reports_missing_items_in_chinese() -> None:
    user, _ = personas.resident()
    client = Client()
    client.force_login(user)
    page = client.get("/cases/apply/8/")
    assert page.status_code == 200
    assert "一表申请" in page.content.decode()

    response = client.post("/cases/apply/8/", {"applicant_phone": "123", "submit": "1"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "申请信息不完整" in text and "不是有效的手机号码" in text
    draft = Case.objects.get(submitted_by=user)
    assert draft.status == "draft"
    assert draft.form_data["applicant_phone"] == "123"


def test_the_window_accepts_from_the_case_page() -> None:
    user, _ = personas.resident()

    bundle = Bundle.objects.get(list_no=8)
    clerk = personas.staff(bundle.lead_departments.first(), StaffRole.WINDOW_CLERK)  # type: ignore[arg-type]
    case = _accepted_newborn(user)
    page = Client()
    page.force_login(clerk)
    workbench = page.get("/cases/workbench/")
    assert workbench.status_code == 200
    detail = page.get(f"/cases/{case.number}/")
    assert detail.status_code == 200 and "各部门办理进度" in detail.content.decode()
    owner = Client()
    owner.force_login(user)
    assert owner.get(f"/cases/{case.number}/").status_code == 200
    assert case.number in owner.get("/cases/").content.decode()


def test_pages_need_login() -> None:
    response = Client().get("/cases/apply/8/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_resident_is_offered_a_rating_for_the_accepted_case() -> None:
    user, _ = personas.resident()
    case = _accepted_newborn(user)
    page = Client()
    page.force_login(user)
    text = page.get(f"/cases/{case.number}/").content.decode()
    assert "请您评价" in text and "/evaluations/rate/" in text
