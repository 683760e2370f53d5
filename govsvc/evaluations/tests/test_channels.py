"""A rating arrives from every channel: web, mobile, window pad, SMS reply, phone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from govsvc.core.models import AuditRecord
from govsvc.evaluations import services
from govsvc.evaluations.models import Rating, ServiceAct
from govsvc.evaluations.tests.factories import RESIDENT_PHONE

pytestmark = pytest.mark.django_db


def test_record_act_is_idempotent_on_kind_and_reference(make_act, labour) -> None:
    act = make_act("case_accepted", reference="WH-IDEMP-1")
    again = services.record_act(kind="case_accepted", reference="WH-IDEMP-1", department=labour)
    assert again.pk == act.pk
    other_kind = services.record_act(
        kind="case_completed", reference="WH-IDEMP-1", department=labour
    )
    assert other_kind.pk != act.pk
    assert ServiceAct.objects.filter(reference="WH-IDEMP-1").count() == 2
    assert act.phone_masked == "139****5678" and RESIDENT_PHONE not in act.phone_digest
    assert act.person_name_masked == "王**"


@pytest.mark.parametrize(
    ("channel", "query"),
    [("web", ""), ("mobile", "?channel=mobile"), ("window_pad", "?channel=window_pad")],
)
def test_the_rating_page_works_without_javascript_for_each_page_channel(
    make_act, channel: str, query: str
) -> None:
    act = make_act("window_visit" if channel == "window_pad" else "case_completed")
    client = Client()
    url = reverse("evaluations:rate", args=[act.token])

    page = client.get(url + query)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="radio"' in html and "非常不满意" in html and f'value="{channel}"' in html
    assert "13912345678" not in html

    response = client.post(
        url,
        {
            "level": "satisfied",
            "indicators": ["efficiency", "attitude"],
            "text": "很快",
            "channel": channel,
        },
    )
    assert response.status_code == 302
    rating = Rating.objects.get(act=act)
    assert (rating.level, rating.channel, rating.indicators) == (
        "satisfied",
        channel,
        ["efficiency", "attitude"],
    )
    assert rating.act.item is not None and rating.act.window is not None
    assert rating.act.staff is not None
    assert "感谢您的评价" in client.get(response["Location"]).content.decode()
    assert AuditRecord.objects.filter(
        action="evaluations.rating.created", object_id=str(rating.pk)
    ).exists()


def test_the_page_asks_again_when_no_level_is_chosen(make_act) -> None:
    act = make_act()
    response = Client().post(reverse("evaluations:rate", args=[act.token]), {"channel": "web"})
    assert response.status_code == 200
    assert "请选择评价等级" in response.content.decode()
    assert not Rating.objects.filter(act=act).exists()


def test_a_signed_in_resident_rates_named_and_a_stranger_is_refused(make_act, people) -> None:
    act = make_act()
    stranger = Client()
    stranger.force_login(people.other_officer.__class__.objects.create_user("someone"))
    response = stranger.post(
        reverse("evaluations:rate", args=[act.token]), {"level": "satisfied", "channel": "web"}
    )
    assert "只有办事人本人可以评价" in response.content.decode()

    me = Client()
    me.force_login(people.resident)
    me.post(reverse("evaluations:rate", args=[act.token]), {"level": "satisfied", "channel": "web"})
    rating = Rating.objects.get(act=act)
    assert rating.rater == people.resident and rating.is_named


def test_an_anonymous_rating_keeps_no_rater(make_act) -> None:
    act = make_act()
    Client().post(
        reverse("evaluations:rate", args=[act.token]),
        {"level": "basic", "channel": "mobile", "anonymous": "on"},
    )
    rating = Rating.objects.get(act=act)
    assert rating.anonymous and rating.rater is None and not rating.is_named


def test_an_sms_reply_rates_the_senders_latest_unrated_act(make_act, people) -> None:
    first = make_act("case_accepted")
    latest = make_act("case_completed")
    api = APIClient()
    api.force_authenticate(people.supervisor)
    url = reverse("evaluation-sms-inbound")

    answer = api.post(url, {"sender": "+86 139-1234-5678", "text": "２ 挺好"}, format="json")
    assert answer.status_code == 200 and answer.json()["outcome"] == "rated"
    rating = Rating.objects.get(act=latest)
    assert (rating.level, rating.channel, rating.text) == ("satisfied", "sms", "挺好")

    api.post(url, {"sender": RESIDENT_PHONE, "text": "非常不满意，材料退了三次"}, format="json")
    rating = Rating.objects.get(act=first)
    assert rating.level == "very_dissatisfied" and rating.text == "材料退了三次"
    assert rating.is_named and hasattr(rating, "rectification")

    again = api.post(url, {"sender": RESIDENT_PHONE, "text": "1"}, format="json").json()
    assert again["outcome"] == "duplicate"
    assert (
        api.post(url, {"sender": RESIDENT_PHONE, "text": "好的"}, format="json").json()["outcome"]
        == "unparsed"
    )
    assert (
        api.post(url, {"sender": "13800000000", "text": "1"}, format="json").json()["outcome"]
        == "no_act"
    )


def test_the_sms_gateway_must_authenticate(make_act) -> None:
    make_act()
    response = APIClient().post(
        reverse("evaluation-sms-inbound"), {"sender": RESIDENT_PHONE, "text": "1"}, format="json"
    )
    assert response.status_code in (401, 403)
    assert not Rating.objects.exists()


def test_a_phone_rating_is_typed_in_by_an_agent(make_act, people) -> None:
    act = make_act("ticket_answered", window=None, item=None)
    body = {
        "token": act.token,
        "level": "dissatisfied",
        "channel": "phone",
        "text": "答复没解决问题",
    }

    refused = APIClient().post(reverse("evaluation-rating-list"), body, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "电话评价须由工作人员代为录入。"

    api = APIClient()
    api.force_authenticate(people.agent)
    created = api.post(reverse("evaluation-rating-list"), body, format="json")
    assert created.status_code == 201, created.json()
    rating = Rating.objects.get(act=act)
    assert rating.channel == "phone" and rating.entered_by == people.agent
    assert rating.rater is None and rating.is_named
    assert created.json()["rectification"] == rating.rectification.pk


def test_the_api_rates_from_the_mobile_app_with_the_act_token(make_act) -> None:
    act = make_act()
    body = {
        "token": act.token,
        "level": "very_satisfied",
        "channel": "mobile",
        "indicators": ["online"],
    }
    created = APIClient().post(reverse("evaluation-rating-list"), body, format="json")
    assert created.status_code == 201
    assert created.json()["level_name"] == "非常满意"
    bad_token = APIClient().post(
        reverse("evaluation-rating-list"), {**body, "token": "nope"}, format="json"
    )
    assert bad_token.status_code == 404


def test_the_window_pad_offers_the_visit_just_served_there(make_act, window) -> None:
    client = Client()
    pad = reverse("evaluations:window_pad", args=[window.pk])
    assert "办理完成后，请在此对本次服务进行评价" in client.get(pad).content.decode()

    act = make_act("window_visit")
    response = client.get(pad)
    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("evaluations:rate", args=[act.token]) + "?channel=window_pad"
    )
    client.post(response["Location"], {"level": "very_satisfied", "channel": "window_pad"})
    assert Rating.objects.get(act=act).channel == "window_pad"
    assert client.get(pad).status_code == 200  # rated: the pad waits for the next visit
