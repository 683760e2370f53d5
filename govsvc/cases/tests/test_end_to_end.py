"""One application, many departments: 新生儿出生, 开办餐饮店 and 企业注销登记 through the API."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from govsvc.accounts.models import StaffRole
from govsvc.bundles.models import Bundle
from govsvc.cases import outbox
from govsvc.cases.models import Case, Notification, SubCase, SubStatus
from govsvc.cases.tests import personas
from govsvc.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def _fill(
    client: APIClient, list_no: int, answers: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = client.post(
        "/api/v1/cases/plan/", {"bundle": list_no, "answers": answers}, format="json"
    )
    assert plan.status_code == 200, plan.content
    body = plan.json()
    form = {f["key"]: f["value"] or personas.sample_value(f) for f in body["fields"]}
    return body, form


def _officers(bundle: Bundle) -> dict[int, User]:
    depts = {
        link.item.department for link in bundle.bundle_items.select_related("item__department")
    }
    depts |= set(bundle.lead_departments.all())
    return {d.pk: personas.staff(d, StaffRole.WINDOW_CLERK) for d in depts}


def _walk(list_no: int, user: User, answers: dict[str, Any]) -> Case:
    bundle = Bundle.objects.get(list_no=list_no)
    officers = _officers(bundle)
    client = personas.client_for(user)
    plan, form = _fill(client, list_no, answers)
    keys = [f["key"] for f in plan["fields"]]
    assert len(keys) == len(set(keys)), "a field is asked twice"
    assert not set(plan["not_asked"]) & set(keys), "a provided field is still asked"

    # Submitting without the materials lists every missing one at once.
    created = client.post(
        "/api/v1/cases/", {"bundle": list_no, "answers": answers, "form_data": form}, format="json"
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    early = client.post(f"/api/v1/cases/{number}/submit/", HTTP_IDEMPOTENCY_KEY=f"k-{number}")
    asked = [m for m in plan["materials"] if m["asked"] and m["required"]]
    if asked:
        assert early.status_code == 400
        for material in asked:
            client.post(
                f"/api/v1/cases/{number}/materials/",
                {"name": material["name"], "file": personas.pdf()},
            )
        submitted = client.post(
            f"/api/v1/cases/{number}/submit/", HTTP_IDEMPOTENCY_KEY=f"k-{number}"
        )
    else:
        submitted = early
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["promised_date"]
    again = client.post(f"/api/v1/cases/{number}/submit/", HTTP_IDEMPOTENCY_KEY=f"k-{number}")
    assert again.status_code == 200 and again.json()["number"] == number

    lead = bundle.lead_departments.order_by("code").first()
    assert lead is not None
    accepted = personas.client_for(officers[lead.pk]).post(f"/api/v1/cases/{number}/accept/")
    assert accepted.status_code == 200, accepted.content

    case = Case.objects.get(number=number)
    rounds = 0
    while case.subcases.exclude(status__in=[SubStatus.APPROVED, SubStatus.SKIPPED]).exists():
        rounds += 1
        assert rounds < 20, "sub-cases never finish"
        for dept_pk, officer in officers.items():
            client_o = personas.client_for(officer)
            queue = client_o.get("/api/v1/subcases/").json()["results"]
            deadlines = [q["deadline"] for q in queue]
            assert deadlines == sorted(deadlines)
            for entry in queue:
                sub = SubCase.objects.get(pk=entry["id"])
                assert sub.department_id == dept_pk
                assert client_o.post(f"/api/v1/subcases/{sub.pk}/take/").status_code == 200
                done = client_o.post(
                    f"/api/v1/subcases/{sub.pk}/approve/", {"note": "准予"}, format="json"
                )
                assert done.status_code == 200, done.content
        case = Case.objects.get(pk=case.pk)
    assert case.status == "completed"
    delivered = client.post(
        f"/api/v1/cases/{number}/deliver/", {"method": "download"}, format="json"
    )
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    return Case.objects.get(pk=case.pk)


def test_newborn_bundle_end_to_end() -> None:
    user, _ = personas.resident()
    case = _walk(8, user, {})
    subs = list(case.subcases.select_related("item"))
    assert len(subs) >= 5
    registration = next(s for s in subs if "出生登记" in s.item.name)
    certificate = next(s for s in subs if s.item.name.startswith("出生医学证明"))
    # The household registration waited for the birth certificate.
    assert certificate in registration.depends_on.all()
    assert registration.dispatched_at >= certificate.decided_at
    timeline = personas.client_for(user).get(f"/api/v1/cases/{case.number}/").json()["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert kinds[0] == "submitted" and "accepted" in kinds and kinds[-1] == "delivered"
    assert AuditRecord.objects.filter(object_id=str(case.pk), action="case_completed").exists()


def test_restaurant_bundle_end_to_end() -> None:
    user, _ = personas.enterprise()
    case = _walk(12, user, {})
    assert case.subcases.count() >= 3
    assert case.subcases.filter(status=SubStatus.APPROVED).count() == case.subcases.count()


def test_company_deregistration_end_to_end() -> None:
    user, _ = personas.enterprise("武汉示例贸易有限公司")
    case = _walk(13, user, {})
    assert case.status == "delivered"


def test_events_reach_the_resident_once_even_when_relayed_twice() -> None:
    user, _ = personas.resident()
    case = _walk(8, user, {})
    outbox.relay_pending()
    first = Notification.objects.filter(user=user, case=case).count()
    outbox.relay_pending()
    assert first >= 4
    assert Notification.objects.filter(user=user, case=case).count() == first
