"""申诉复核 by a supervisor, setting a malicious rating aside, and the escalation of
overdue rectifications and desk requests by the idempotent tick."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from govsvc.core.models import AuditRecord
from govsvc.evaluations import desk, rectifications, stats, tick
from govsvc.evaluations.machine import TransitionError
from govsvc.evaluations.models import DeskRequest, Rating
from govsvc.evaluations.tests.factories import bad_rating

pytestmark = pytest.mark.django_db


def test_a_malicious_rating_is_set_aside_on_review_with_its_reason(make_act, people) -> None:
    rating = bad_rating(make_act)
    rect = rectifications.appeal(
        rating.rectification,
        people.officer,
        ground="malicious",
        reason="评价内容为辱骂，与办事无关，有录音为证",
    )
    assert rect.status == "appealed"

    with pytest.raises(TransitionError, match="没有权限"):
        rectifications.uphold_appeal(rect, people.officer, note="自己复核自己")
    with pytest.raises(TransitionError, match="请填写复核意见"):
        rectifications.uphold_appeal(rect, people.supervisor, note="")

    rect = rectifications.uphold_appeal(rect, people.supervisor, note="经调取录音，属恶意评价")
    assert rect.status == "set_aside" and rect.reviewed_by == people.supervisor
    rating = Rating.objects.get(pk=rating.pk)
    assert rating.status == "set_aside" and rating.level == "very_dissatisfied"
    assert AuditRecord.objects.filter(
        action="evaluations.rating.set_aside", object_id=str(rating.pk)
    ).exists()
    assert stats.overall(stats.parse_period("2025")).total == 0
    with pytest.raises(TransitionError, match="当前状态为“申诉成立已撤销”"):
        rectifications.rectify(rect, people.officer, measures="x")


def test_a_rejected_appeal_goes_back_to_rectification(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    rect = rectifications.verify(rect, people.officer, finding="部分属实")
    rect = rectifications.appeal(rect, people.officer, ground="unfounded", reason="已按规定办理")
    rect = rectifications.reject_appeal(rect, people.supervisor, note="告知不到位，应整改")
    assert rect.status == "rectifying" and rect.review_note == "告知不到位，应整改"
    rect = rectifications.rectify(rect, people.officer, measures="补充告知")
    assert rect.status == "rectified"


def test_an_unclear_rating_appeal_is_refused_without_a_ground(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    with pytest.raises(TransitionError, match="申诉理由类别"):
        rectifications.appeal(rect, people.officer, ground="", reason="看不懂")
    rect = rectifications.appeal(rect, people.officer, ground="unclear", reason="只写了“差”字")
    assert rect.appeal_ground == "unclear"


def test_an_overdue_rectification_escalates_once_per_stage(make_act, people, office) -> None:
    rect = bad_rating(make_act).rectification  # verify by 10-09, rectify by 10-28

    assert tick.run(dt.date(2025, 10, 9)).rectifications_escalated == 0
    assert tick.run(dt.date(2025, 10, 10)).rectifications_escalated == 1
    rect.refresh_from_db()
    assert rect.escalation_stage == "verify" and rect.escalated_to == office
    assert tick.run(dt.date(2025, 10, 10)).rectifications_escalated == 0  # idempotent

    rect = rectifications.verify(rect, people.officer, finding="属实")
    assert tick.run(dt.date(2025, 10, 28)).rectifications_escalated == 0
    out = StringIO()
    call_command("evaluations_tick", "--today", "2025-10-29", stdout=out)
    assert "整改督办 1 件" in out.getvalue()
    call_command("evaluations_tick", "--today", "2025-10-30", stdout=out)
    rect.refresh_from_db()
    assert rect.escalation_stage == "rectify" and rect.status == "rectifying"
    escalations = AuditRecord.objects.filter(
        action="evaluations.rectification.escalate", object_id=str(rect.pk)
    )
    assert escalations.count() == 2

    # Escalation does not close the loop: the department still rectifies, late.
    rect = rectifications.rectify(rect, people.officer, measures="已整改")
    assert rect.rectified_on_time is False


def test_an_untouched_rectification_escalates_again_when_the_rectify_deadline_passes(
    make_act,
) -> None:
    rect = bad_rating(make_act).rectification
    assert tick.run(dt.date(2025, 10, 10)).rectifications_escalated == 1
    assert tick.run(dt.date(2025, 10, 29)).rectifications_escalated == 1
    assert tick.run(dt.date(2025, 10, 30)).rectifications_escalated == 0
    rect.refresh_from_db()
    assert (rect.status, rect.escalation_stage) == ("opened", "rectify")


def test_an_appealed_rectification_is_not_escalated(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    rectifications.appeal(rect, people.officer, ground="unfounded", reason="有录音")
    assert tick.run(dt.date(2025, 12, 31)).rectifications_escalated == 0


def test_an_overdue_desk_request_is_escalated_by_the_tick(people) -> None:
    req = desk.open_request(
        title="开不出无犯罪记录证明",
        description="跑了两个派出所都说不归他们管",
        contact_name="王小明",
        contact_phone="13912345678",
    )
    later = req.due + dt.timedelta(days=1)
    assert tick.run(req.due).desk_escalated == 0
    assert tick.run(later).desk_escalated == 1
    assert tick.run(later).desk_escalated == 0
    req = DeskRequest.objects.get(pk=req.pk)
    assert req.status == "escalated"
    req = desk.assign(req, people.supervisor, coordinator_id=people.officer.pk)
    assert req.status == "coordinating"


def test_a_supervisor_reviews_an_appeal_on_the_staff_pages(make_act, people) -> None:
    rect = bad_rating(make_act).rectification
    officer = Client()
    officer.force_login(people.officer)
    officer.post(
        reverse("evaluations:rectification_action", args=[rect.pk, "appeal"]),
        {"ground": "unfounded", "reason": "办事人未带身份证，按规定不能受理"},
    )

    supervisor = Client()
    supervisor.force_login(people.supervisor)
    listing = supervisor.get(reverse("evaluations:appeal_list")).content.decode()
    assert f"#{rect.pk}" in listing and "申诉复核中" in listing
    detail = supervisor.get(reverse("evaluations:rectification_detail", args=[rect.pk]))
    assert 'id="action-uphold_appeal"' in detail.content.decode()
    assert (
        'id="action-verify"'
        not in officer.get(
            reverse("evaluations:rectification_detail", args=[rect.pk])
        ).content.decode()
    )

    page = supervisor.post(
        reverse("evaluations:rectification_action", args=[rect.pk, "uphold_appeal"]),
        {"note": "经核实，按规定不能受理，差评不计入"},
        follow=True,
    ).content.decode()
    assert "申诉成立已撤销" in page and "差评不计入" in page
    rect.refresh_from_db()
    assert rect.status == "set_aside" and rect.rating.status == "set_aside"
