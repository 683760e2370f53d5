"""Acts and ratings: what cases, the hotline, windows and the SMS gateway call.

- :func:`record_act` — called by cases and hotline when something ratable happens.
- :func:`rate` — the one way a rating is written, whatever the channel.
- :func:`follow_up` — the one 追评 a rating may get.
- :func:`receive_sms` — an SMS reply from the gateway, parsed and turned into a rating.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from govsvc.catalog.models import ServiceItem
from govsvc.core import audit
from govsvc.core.masking import mask_name, mask_phone
from govsvc.directory.models import Department, HallWindow
from govsvc.evaluations import levels, rectifications
from govsvc.evaluations.machine import Actor, TransitionError, role_of, user_of
from govsvc.evaluations.models import (
    ActKind,
    Channel,
    FollowUp,
    Indicator,
    Level,
    Rating,
    ServiceAct,
)

logger = logging.getLogger(__name__)

TEXT_LIMIT = 500
SMS_REPLY_WINDOW_DAYS = 30


class RatingError(TransitionError):
    """A rating or follow-up the rules do not allow."""


def phone_digest(phone: str) -> str:
    """A keyed digest of the normalised number: +86 138-0000-0000 and 13800000000 match."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits:
        return ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"phone:{digits}".encode(), hashlib.sha256).hexdigest()


# --- acts -----------------------------------------------------------------------------


def record_act(
    *,
    kind: str,
    reference: str,
    department: Department,
    occurred_at: dt.datetime | None = None,
    item: ServiceItem | None = None,
    window: HallWindow | None = None,
    staff: Any = None,
    person: Any = None,
    person_name: str = "",
    phone: str = "",
) -> ServiceAct:
    """Register a ratable act; calling again for the same (kind, reference) returns it."""
    if kind not in ActKind.values:
        raise ValueError(f"未知的办事行为类型：{kind}")
    if not reference.strip():
        raise ValueError("办事行为必须有办件编号或工单编号")

    defaults = {
        "department": department,
        "occurred_at": occurred_at or timezone.now(),
        "item": item,
        "window": window,
        "staff": staff,
        "person": person,
        "person_name_masked": mask_name(person_name),
        "phone_masked": mask_phone(phone) if phone else "",
        "phone_digest": phone_digest(phone) if phone else "",
    }
    with transaction.atomic():
        act, created = ServiceAct.objects.get_or_create(
            kind=kind, reference=reference.strip(), defaults=defaults
        )
        if created:
            audit.record(
                "evaluations.act.recorded",
                act,
                summary=f"{act.get_kind_display()} {act.reference}",
                data={"kind": kind, "reference": act.reference, "department": department.pk},
            )
    if created:
        logger.info("evaluation_act_recorded act_id=%s kind=%s", act.pk, kind)
    return act


# --- ratings --------------------------------------------------------------------------


def _clean_indicators(indicators: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(indicators))
    unknown = [i for i in chosen if i not in Indicator.values]
    if unknown:
        raise RatingError(f"未知的评价指标：{'、'.join(unknown)}", "invalid")
    return chosen


def rate(
    act: ServiceAct,
    *,
    level: str,
    channel: str,
    indicators: Iterable[str] = (),
    text: str = "",
    anonymous: bool = False,
    rater: Actor = None,
    entered_by: Actor = None,
    rated_at: dt.datetime | None = None,
) -> Rating:
    """Write the act's one rating; a bad one opens its rectification in the same transaction.

    ``rater`` is the signed-in person, if any; ``entered_by`` the staff member who typed a
    rating given over the phone; ``rated_at`` the moment the person rated, when a pad or
    gateway delivers it later (deadlines count from it).
    """
    if level not in Level.values:
        raise RatingError("请选择评价等级。", "invalid")
    if channel not in Channel.values:
        raise RatingError(f"未知的评价渠道：{channel}", "invalid")
    chosen = _clean_indicators(indicators)
    text = text.strip()
    if len(text) > TEXT_LIMIT:
        raise RatingError(f"评价内容请控制在{TEXT_LIMIT}字以内。", "invalid")
    if channel == Channel.PHONE and role_of(entered_by) is None:
        raise RatingError("电话评价须由工作人员代为录入。", "forbidden")
    signed_in = user_of(rater)
    if signed_in is not None and act.person_id and signed_in.pk != act.person_id:
        raise RatingError("只有办事人本人可以评价这次办事。", "forbidden")

    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                act=act,
                level=level,
                indicators=chosen,
                text=text,
                channel=channel,
                anonymous=anonymous,
                rater=signed_in,
                entered_by=user_of(entered_by) if role_of(entered_by) else None,
                created_at=rated_at or timezone.now(),
            )
            audit.record(
                "evaluations.rating.created",
                rating,
                actor=entered_by or signed_in,
                summary=f"{act.reference} {rating.get_level_display()}",
                data={"act": act.pk, "level": level, "channel": channel, "anonymous": anonymous},
            )
            if rating.is_bad:
                rectifications.open_for(rating)
    except IntegrityError as exc:
        raise RatingError(
            "这次办事已经评价过，每次办事只能评价一次，可追评一次。", "duplicate"
        ) from exc

    logger.info(
        "evaluation_rated rating_id=%s act_id=%s level=%s channel=%s",
        rating.pk,
        act.pk,
        level,
        channel,
    )
    return rating


def follow_up(rating: Rating, *, text: str, channel: str, rater: Actor = None) -> FollowUp:
    text = text.strip()
    if not text:
        raise RatingError("请填写追评内容。", "invalid")
    if len(text) > TEXT_LIMIT:
        raise RatingError(f"追评内容请控制在{TEXT_LIMIT}字以内。", "invalid")
    if channel not in Channel.values:
        raise RatingError(f"未知的评价渠道：{channel}", "invalid")
    signed_in = user_of(rater)
    if signed_in is not None and rating.act.person_id not in (None, signed_in.pk):
        raise RatingError("只有办事人本人可以追评。", "forbidden")

    try:
        with transaction.atomic():
            added = FollowUp.objects.create(rating=rating, text=text, channel=channel)
            # Touch updated_at only, so the provincial pull sees the follow-up.
            rating.save(update_fields=["updated_at"])
            audit.record(
                "evaluations.rating.followed_up",
                rating,
                actor=signed_in,
                summary=f"{rating.act.reference} 追评",
                data={"channel": channel},
            )
    except IntegrityError as exc:
        raise RatingError("每条评价只能追评一次。", "duplicate") from exc
    return added


# --- SMS ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsResult:
    outcome: str  # rated | unparsed | no_act | duplicate
    reply: str
    rating: Rating | None = None


def receive_sms(sender: str, body: str, received_at: dt.datetime | None = None) -> SmsResult:
    """An SMS reply: rate the sender's latest unrated act with the level it names."""
    parsed = levels.parse_sms(body)
    if parsed is None:
        return SmsResult("unparsed", "未能识别您的评价，请回复数字1-5：1非常满意…5非常不满意。")

    no_act = SmsResult("no_act", "未找到您近期待评价的办事记录。")
    digest = phone_digest(sender)
    if not digest:
        return no_act
    since = (received_at or timezone.now()) - dt.timedelta(days=SMS_REPLY_WINDOW_DAYS)
    recent = ServiceAct.objects.filter(phone_digest=digest, occurred_at__gte=since)
    act = recent.filter(ratings__isnull=True).order_by("-occurred_at", "-id").first()
    if act is None:
        if recent.exists():
            return SmsResult("duplicate", "您近期的办事均已评价，感谢您的参与。")
        return no_act

    rating = rate(
        act, level=parsed.level, channel=Channel.SMS, text=parsed.text, rated_at=received_at
    )
    return SmsResult("rated", f"感谢您对“{act.reference}”的评价。", rating)
