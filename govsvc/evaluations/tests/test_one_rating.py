"""One rating per act (a database constraint), one follow-up, and ratings never change."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from govsvc.evaluations import services
from govsvc.evaluations.models import FollowUp, ImmutableError, Rating
from govsvc.evaluations.services import RatingError

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_rating_of_one_act(make_act) -> None:
    act = make_act()
    Rating.objects.create(act=act, level="satisfied", channel="web")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(act=act, level="very_dissatisfied", channel="sms")


def test_the_service_the_page_and_the_api_refuse_a_second_rating(make_act) -> None:
    act = make_act()
    services.rate(act, level="satisfied", channel="web")

    with pytest.raises(RatingError, match="只能评价一次"):
        services.rate(act, level="very_dissatisfied", channel="mobile")

    body = {"token": act.token, "level": "very_dissatisfied", "channel": "mobile"}
    answer = APIClient().post(reverse("evaluation-rating-list"), body, format="json")
    assert answer.status_code == 409 and "只能评价一次" in answer.json()["error"]["message"]

    page = Client().get(reverse("evaluations:rate", args=[act.token]))
    assert "您的评价" in page.content.decode() and 'type="radio"' not in page.content.decode()
    assert Rating.objects.filter(act=act).count() == 1
    assert Rating.objects.get(act=act).level == "satisfied"


def test_a_follow_up_is_allowed_once(make_act) -> None:
    act = make_act()
    rating = services.rate(act, level="basic", channel="web")
    before = Rating.objects.get(pk=rating.pk).updated_at
    client = Client()
    url = reverse("evaluations:follow_up", args=[act.token])

    client.post(url, {"text": "后来电话告知了进度，好多了", "channel": "web"})
    assert FollowUp.objects.get(rating=rating).text == "后来电话告知了进度，好多了"
    assert Rating.objects.get(pk=rating.pk).updated_at >= before

    second = client.post(url, {"text": "再补一句", "channel": "web"})
    assert "每条评价只能追评一次" in second.content.decode()
    assert FollowUp.objects.filter(rating=rating).count() == 1
    with pytest.raises(RatingError):
        services.follow_up(rating, text="又一次", channel="sms")


def test_a_rating_refuses_changes_to_what_was_said(make_act) -> None:
    rating = services.rate(make_act(), level="very_dissatisfied", channel="web", text="太慢")
    for field, value in [("level", "very_satisfied"), ("text", "其实还好"), ("channel", "sms")]:
        stored = Rating.objects.get(pk=rating.pk)
        setattr(stored, field, value)
        with pytest.raises(ImmutableError, match="不可修改"):
            stored.save()
    assert Rating.objects.get(pk=rating.pk).level == "very_dissatisfied"

    follow = services.follow_up(rating, text="补充", channel="web")
    follow.text = "改掉"
    with pytest.raises(ImmutableError):
        follow.save()


def test_unknown_levels_channels_and_indicators_are_refused(make_act) -> None:
    act = make_act()
    with pytest.raises(RatingError, match="评价等级"):
        services.rate(act, level="5", channel="web")
    with pytest.raises(RatingError, match="渠道"):
        services.rate(act, level="satisfied", channel="fax")
    with pytest.raises(RatingError, match="指标"):
        services.rate(act, level="satisfied", channel="web", indicators=["speed"])
    assert not Rating.objects.filter(act=act).exists()


def test_the_database_itself_refuses_changes_to_a_rating(make_act) -> None:
    rating = services.rate(make_act(), level="very_dissatisfied", channel="web", text="太慢")
    follow = services.follow_up(rating, text="补充", channel="web")
    rows = Rating.objects.filter(pk=rating.pk)
    for change in ({"level": "very_satisfied"}, {"text": "改了"}, {"indicators": ["attitude"]}):
        with pytest.raises(DatabaseError), transaction.atomic():
            rows.update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        FollowUp.objects.filter(pk=follow.pk).update(text="改了")

    rows.update(status="set_aside")  # what the appeal review may change
    assert rows.get().level == "very_dissatisfied" and rows.get().status == "set_aside"
