"""Guidance, one form, one set of materials, permissions and time limits."""

import datetime as dt

import pytest
from django.test import Client

from govsvc.accounts.models import StaffRole
from govsvc.bundles.models import Bundle
from govsvc.cases import forms, services
from govsvc.cases.models import Case, Notification, SubStatus
from govsvc.cases.tests import personas
from govsvc.core.workdays import add_workdays

pytestmark = pytest.mark.django_db


def _plan(client: object, list_no: int, answers: dict) -> dict:
    response = client.post(
        "/api/v1/cases/plan/", {"bundle": list_no, "answers": answers}, format="json"
    )  # type: ignore[attr-defined]
    assert response.status_code == 200, response.content
    return response.json()


def test_guidance_answers_decide_which_sub_items_apply() -> None:
    user, _ = personas.enterprise()
    client = personas.client_for(user)
    guide = forms.guidance(12)
    assert len(guide.questions) >= 2
    question = next(q for q in guide.questions if q.type == "bool")
    with_it = _plan(client, 12, {question.key: True})
    without = _plan(client, 12, {question.key: False})
    assert {i["code"] for i in with_it["items"]} != {i["code"] for i in without["items"]}
    assert without["skipped_items"] or with_it["skipped_items"]


def test_at_least_ten_bundles_have_guidance_including_the_named_five() -> None:
    guided = [b.list_no for b in Bundle.objects.all() if forms.guidance(b.list_no).questions]
    assert len(guided) >= 10
    assert {8, 12, 13, 37, 10} <= set(guided)
    for list_no in guided:
        codes = {
            link.item.basic_code
            for link in Bundle.objects.get(list_no=list_no).bundle_items.select_related("item")
        }
        assert set(forms.guidance(list_no).conditions) <= codes, list_no


def test_the_merged_form_asks_each_field_once_and_skips_provided_ones() -> None:
    bundle = Bundle.objects.get(list_no=8)
    items = [link.item for link in bundle.bundle_items.select_related("item")]
    merged = forms.merged_form(items, "person")
    keys = [f.key for f in merged.fields]
    assert len(keys) == len(set(keys))
    assert merged.provided, "some field of bundle 8 comes from another sub-item's result"
    assert not set(merged.provided) & set(keys)
    single = sum(len(forms.merged_form([i], "person").fields) for i in items)
    assert len(keys) < single


def test_the_form_is_prefilled_from_the_profile_and_earlier_cases() -> None:
    user, applicant = personas.resident("李四")
    applicant.profile = {"applicant_address": "武昌区水果湖街道"}
    applicant.save()
    plan = _plan(personas.client_for(user), 8, {})
    values = {f["key"]: f["value"] for f in plan["fields"]}
    assert values.get("applicant_name") == "李四"
    assert values.get("applicant_address") == "武昌区水果湖街道"


def test_bad_field_values_get_clear_chinese_errors_and_keep_the_draft() -> None:
    user, _ = personas.resident()
    client = personas.client_for(user)
    created = client.post(
        "/api/v1/cases/", {"bundle": 8, "form_data": {"applicant_phone": "12"}}, format="json"
    )
    number = created.json()["number"]
    response = client.post(f"/api/v1/cases/{number}/submit/")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert "不是有效的手机号码" in details["applicant_phone"]
    assert Case.objects.get(number=number).form_data["applicant_phone"] == "12"


def test_a_phone_field_refuses_12345_and_gives_a_local_landline_its_area_code() -> None:
    field = forms.dictionary().fields["contact_phone"]
    value, error = field.validate("12345")
    assert value is None
    assert error is not None and error.startswith(
        "「企业联系电话」不是有效的电话号码：应为 11 位手机号"
    )
    assert field.validate("8555 0000") == ("027-85550000", None)
    assert field.validate("+86 138-0000-1234") == ("13800001234", None)


def test_a_mobile_field_takes_only_a_number_that_can_be_texted() -> None:
    field = forms.dictionary().fields["applicant_phone"]
    assert field.validate("+86 138-0000-1234") == ("13800001234", None)
    for landline_or_wrong in ("027-85550000", "8555 0000", "12345"):
        value, error = field.validate(landline_or_wrong)
        assert value is None and error == "「申请人手机号码」不是有效的手机号码：应为 11 位手机号"


def test_materials_are_checked_for_type_and_size() -> None:
    user, _ = personas.resident()
    client = personas.client_for(user)
    number = client.post("/api/v1/cases/", {"bundle": 8}, format="json").json()["number"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    bad = client.post(f"/api/v1/cases/{number}/materials/", {"name": "授权委托书", "file": exe})
    assert bad.status_code == 400 and "PDF" in bad.json()["error"]["message"]
    good = client.post(
        f"/api/v1/cases/{number}/materials/", {"name": "授权委托书", "file": personas.pdf()}
    )
    assert good.status_code == 200
    again = client.post(
        f"/api/v1/cases/{number}/materials/", {"name": "授权委托书", "file": personas.pdf()}
    )
    assert [m["name"] for m in again.json()["materials"]] == ["授权委托书"]


def test_certificates_and_results_of_other_sub_items_are_not_asked() -> None:
    user, _ = personas.resident()
    plan = _plan(personas.client_for(user), 8, {})
    by_name = {m["name"]: m for m in plan["materials"]}
    assert by_name["居民身份证"]["asked"] is False
    assert by_name["出生医学证明"]["asked"] is False


def test_submission_with_the_same_key_creates_one_case() -> None:
    user, _ = personas.resident()
    client = personas.client_for(user)
    body = {"item": Bundle.objects.get(list_no=8).bundle_items.first().item.basic_code}  # type: ignore[union-attr]
    first = client.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key-1")
    second = client.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key-1")
    assert first.status_code == 201
    assert second.status_code in (200, 201)
    assert Case.objects.filter(submitted_by=user).count() == 1


def test_other_departments_get_404_and_403_through_api_and_pages() -> None:
    user, _ = personas.resident()
    client = personas.client_for(user)
    number = client.post("/api/v1/cases/", {"bundle": 8}, format="json").json()["number"]
    case = Case.objects.get(number=number)
    stranger = personas.staff(
        Bundle.objects.get(list_no=13).lead_departments.first(), StaffRole.WINDOW_CLERK
    )  # type: ignore[arg-type]
    api = personas.client_for(stranger)
    assert api.get(f"/api/v1/cases/{number}/").status_code == 404
    assert api.post(f"/api/v1/cases/{number}/accept/").status_code == 404
    other_resident, _ = personas.resident()
    assert personas.client_for(other_resident).get(f"/api/v1/cases/{number}/").status_code == 404
    page = Client()
    page.force_login(stranger)
    assert page.get(f"/cases/{number}/").status_code == 404
    assert case.status == "draft"


def test_a_department_cannot_act_on_another_departments_sub_case() -> None:
    user, _ = personas.resident()
    case = _accepted_newborn(user)
    sub = case.subcases.filter(status=SubStatus.PENDING).first()
    assert sub is not None
    outsider = personas.staff(Bundle.objects.get(list_no=13).lead_departments.first())  # type: ignore[arg-type]
    response = personas.client_for(outsider).post(f"/api/v1/subcases/{sub.pk}/take/")
    assert response.status_code == 404


def _submitted_newborn(user: object) -> Case:
    """A 新生儿出生 case filled with valid values and every asked material, submitted."""
    bundle = Bundle.objects.get(list_no=8)
    case = services.save_draft(user, services.applicant_for(user), bundle=bundle)
    plan = services.plan(bundle, {}, "person")
    case.form_data = {
        f.key: personas.sample_value({"type": f.type, "choices": [c for c, _ in f.choices]})
        for f in plan.form.fields
    }
    case.save()
    for material in plan.materials:
        if material.asked:
            services.attach_material(case, material.name, personas.pdf())
    return services.submit(case, user)


def _window_clerk() -> object:
    lead = Bundle.objects.get(list_no=8).lead_departments.first()
    return personas.staff(lead, StaffRole.WINDOW_CLERK)  # type: ignore[arg-type]


def _accepted_newborn(user: object) -> Case:
    return services.accept(_submitted_newborn(user), _window_clerk())


def test_the_window_returns_once_with_everything_missing_then_the_resident_resubmits() -> None:
    user, _ = personas.resident()
    submitted = _submitted_newborn(user)
    clerk = _window_clerk()
    with pytest.raises(services.CaseError):
        services.return_case(submitted, clerk, [])
    returned = services.return_case(submitted, clerk, ["出院记录不清晰", "缺少父亲签名"])
    assert returned.status == "returned" and returned.missing == ["出院记录不清晰", "缺少父亲签名"]
    with pytest.raises(services.CaseError):
        services.accept(returned, clerk)
    again = services.submit(returned, user)
    assert again.status == "submitted"
    assert services.accept(again, clerk).status == "accepted"


def test_near_and_past_deadlines_are_flagged_once_to_the_department_and_supervisor() -> None:
    user, _ = personas.resident()
    case = _accepted_newborn(user)
    sub = case.subcases.filter(status=SubStatus.PENDING).first()
    assert sub is not None
    officer = personas.staff(sub.department)
    supervisor = personas.staff(sub.department, StaffRole.SUPERVISOR)
    before = add_workdays(sub.deadline, 0) - dt.timedelta(days=0)  # type: ignore[arg-type]

    warned = services.flag_deadlines(today=before)
    assert warned["warned"] >= 1
    assert services.flag_deadlines(today=before)["warned"] == 0
    late = add_workdays(sub.deadline, 2)  # type: ignore[arg-type]
    assert services.flag_deadlines(today=late)["overdue"] >= 1
    assert Notification.objects.filter(user=officer, message__contains="超过").exists()
    assert Notification.objects.filter(user=supervisor, message__contains="超过").exists()


def test_promised_date_counts_chinese_working_days() -> None:
    # 2026-09-30 + 3 working days skips the National Day holiday.
    assert add_workdays(dt.date(2026, 9, 30), 3) > dt.date(2026, 10, 7)


def test_an_agent_applies_for_an_applicant_with_a_recorded_authorisation() -> None:
    user, applicant = personas.resident("赵老伯")
    agent, _ = personas.resident("赵小妹")
    owner = personas.client_for(user)
    granted = owner.post(
        "/api/v1/authorisations/",
        {
            "agent_username": agent.username,
            "document": "授权委托书（2026）",
            "valid_until": "2027-12-31",
        },
        format="json",
    )
    assert granted.status_code == 201, granted.content
    helper = personas.client_for(agent)
    created = helper.post(
        "/api/v1/cases/", {"bundle": 37, "applicant_id": applicant.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    case = Case.objects.get(number=created.json()["number"])
    assert case.applicant == applicant and case.authorisation is not None
    owner.post(f"/api/v1/authorisations/{granted.json()['id']}/revoke/")
    refused = helper.post(
        "/api/v1/cases/", {"bundle": 37, "applicant_id": applicant.pk}, format="json"
    )
    assert refused.status_code == 400 and "授权" in refused.json()["error"]["message"]


def test_a_department_attaches_a_licence_file_that_the_applicant_downloads() -> None:
    user, _ = personas.resident()
    case = _accepted_newborn(user)
    sub = case.subcases.filter(status=SubStatus.PENDING).select_related("department").first()
    assert sub is not None
    officer = personas.client_for(personas.staff(sub.department))
    officer.post(f"/api/v1/subcases/{sub.pk}/take/")
    done = officer.post(
        f"/api/v1/subcases/{sub.pk}/approve/",
        {"name": "出生医学证明", "number": "Q420000001", "file": personas.pdf("cert.pdf")},
    )
    assert done.status_code == 200, done.content
    results = personas.client_for(user).get(f"/api/v1/cases/{case.number}/").json()["results"]
    assert results[0]["number"] == "Q420000001"
    page = Client()
    page.force_login(user)
    download = page.get(results[0]["download"])
    assert download.status_code == 200 and b"%PDF" in b"".join(download.streaming_content)  # type: ignore[attr-defined]


def test_the_department_queue_reads_in_a_fixed_number_of_queries(
    django_assert_max_num_queries: object,
) -> None:
    user, _ = personas.resident()
    for _ in range(3):
        _accepted_newborn(user)
    case = Case.objects.filter(submitted_by=user).first()
    assert case is not None
    dept = case.subcases.filter(status=SubStatus.PENDING).first().department  # type: ignore[union-attr]
    client = personas.client_for(personas.staff(dept))
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        response = client.get("/api/v1/subcases/")
    assert response.status_code == 200 and len(response.json()["results"]) >= 3
