"""The whole bad-rating loop: opened with working-day deadlines, verified, rectified, called
back, closed; refused transitions say why in Chinese; every step is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from govsvc.core.models import AuditRecord
from govsvc.evaluations import rectifications, services
from govsvc.evaluations.machine import TransitionError
from govsvc.evaluations.models import Rectification
from govsvc.evaluations.tests.factories import EVE_OF_HOLIDAY, bad_rating

pytestmark = pytest.mark.django_db


def actions_of(rect: Rectification) -> list[str]:
    return list(
        AuditRecord.objects.filter(object_type="evaluations.rectification", object_id=str(rect.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_only_the_two_bad_levels_open_a_rectification(make_act) -> None:
    for level in ("very_satisfied", "satisfied", "basic"):
        rating = services.rate(make_act(), level=level, channel="web")
        assert not Rectification.objects.filter(rating=rating).exists()
    for level in ("dissatisfied", "very_dissatisfied"):
        rating = services.rate(make_act(), level=level, channel="web")
        assert Rectification.objects.get(rating=rating).department == rating.act.department


def test_deadlines_are_counted_in_working_days_across_a_holiday(make_act) -> None:
    rect = bad_rating(make_act).rectification
    assert rect.opened_on == EVE_OF_HOLIDAY
    assert rect.verify_due == dt.date(2025, 10, 9)  # 1 working day: after the 8-day holiday
    assert rect.rectify_due == dt.date(2025, 10, 28)  # 15 working days, Saturday 10-11 counts


def test_deadlines_follow_the_settings(make_act, settings) -> None:
    settings.EVALUATIONS_VERIFY_WORKDAYS = 2
    settings.EVALUATIONS_RECTIFY_WORKDAYS = 5
    rect = bad_rating(make_act, day=dt.date(2025, 11, 14)).rectification  # a Friday
    assert rect.verify_due == dt.date(2025, 11, 18)
    assert rect.rectify_due == dt.date(2025, 11, 21)


def test_a_named_bad_rating_goes_round_the_loop_to_its_callback(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    assert rect.rating.is_named

    rect = rectifications.verify(rect, people.officer, finding="窗口未一次性告知材料要求，属实")
    assert rect.status == "rectifying" and rect.verified_at is not None
    rect = rectifications.rectify(rect, people.officer, measures="修订告知单，窗口人员培训")
    assert rect.status == "rectified" and rect.rectified_at is not None

    with pytest.raises(TransitionError, match="实名差评须回访"):
        rectifications.close(rect, people.officer)
    rect = rectifications.callback(
        rect, people.clerk, note="已电话告知整改措施，本人表示认可", level="satisfied"
    )
    assert rect.status == "closed" and rect.callback_level == "satisfied"
    assert actions_of(rect) == [
        "evaluations.rectification.opened",
        "evaluations.rectification.verify",
        "evaluations.rectification.rectify",
        "evaluations.rectification.callback",
    ]
    # The original rating is untouched by the loop.
    assert rect.rating.level == "very_dissatisfied" and rect.rating.status == "valid"


def test_an_anonymous_bad_rating_closes_without_callback(make_act, people) -> None:
    rect = bad_rating(make_act, anonymous=True).rectification
    rect = rectifications.fix_now(rect, people.officer, finding="属实", measures="当场补正")
    assert rect.status == "rectified"
    rect = rectifications.close(rect, people.officer, note="匿名评价，无法回访")
    assert rect.status == "closed" and rect.called_back_at is None


def test_a_rating_from_a_person_nobody_can_reach_closes_without_callback(make_act, people) -> None:
    rect = bad_rating(make_act, anonymous_person=True).rectification
    assert not rect.rating.is_named
    rect = rectifications.fix_now(rect, people.officer, finding="属实", measures="已改")
    assert rectifications.close(rect, people.officer).status == "closed"


def test_wrong_transitions_are_refused_in_chinese_and_change_nothing(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    audits = AuditRecord.objects.count()

    with pytest.raises(TransitionError, match="当前状态为“待核实”，不能执行“整改完成”"):
        rectifications.rectify(rect, people.officer, measures="x")
    with pytest.raises(TransitionError, match="不属于本部门"):
        rectifications.verify(rect, people.other_officer, finding="x")
    with pytest.raises(TransitionError, match="没有权限"):
        rectifications.verify(rect, people.agent, finding="x")
    with pytest.raises(TransitionError, match="请填写核实情况"):
        rectifications.verify(rect, people.officer, finding="  ")
    with pytest.raises(TransitionError, match="不能执行“回访”"):
        rectifications.callback(rect, people.officer, note="x")

    rect.refresh_from_db()
    assert rect.status == "opened" and AuditRecord.objects.count() == audits


def test_the_api_walks_the_loop_and_answers_refusals_with_the_error_shape(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    officer = APIClient()
    officer.force_authenticate(people.officer)
    url = f"/api/v1/evaluations/rectifications/{rect.pk}/actions/"

    refused = officer.post(url + "rectify/", {"measures": "x"}, format="json")
    assert refused.status_code == 409
    assert "不能执行“整改完成”" in refused.json()["error"]["message"]
    assert (
        officer.post(url + "verify/", {"finding": "属实"}, format="json").json()["status"]
        == "rectifying"
    )

    police = APIClient()
    police.force_authenticate(people.other_officer)
    assert police.get(f"/api/v1/evaluations/rectifications/{rect.pk}/").status_code == 404
    listed = officer.get("/api/v1/evaluations/rectifications/").json()
    assert [r["id"] for r in listed["results"]] == [rect.pk]
    assert listed["results"][0]["phone_masked"] == "139****5678"


def test_staff_pages_need_a_staff_login(make_act, people) -> None:
    bad_rating(make_act)
    response = Client().get(reverse("evaluations:rectification_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    resident = Client()
    resident.force_login(people.resident)
    assert resident.get(reverse("evaluations:rectification_list")).status_code == 403


def test_staff_pages_walk_the_loop_without_javascript(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    client = Client()
    client.force_login(people.officer)
    detail = reverse("evaluations:rectification_detail", args=[rect.pk])

    page = client.get(detail).content.decode()
    assert "材料被退回三次" in page and "139****5678" in page and "13912345678" not in page
    assert 'id="action-verify"' in page and 'id="action-uphold_appeal"' not in page

    def act(name: str, **data: str) -> str:
        url = reverse("evaluations:rectification_action", args=[rect.pk, name])
        return client.post(url, data, follow=True).content.decode()

    assert "不能执行“整改完成”" in act("rectify", measures="x")
    act("verify", finding="属实")
    act("rectify", measures="修订告知单")
    assert "已办结" in act("callback", note="已告知", level="basic")
    rect.refresh_from_db()
    assert rect.status == "closed" and rect.callback_note == "已告知"
