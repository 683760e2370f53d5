"""好差评: service acts, their ratings, the rectification of bad ratings, the 办不成事 desk.

Glossary (kept the same in code, API and docs):

- act (办事行为): one thing done for a person that may be rated — a case accepted or
  completed, a 12345 ticket answered, a window visit.
- rating (评价): the person's one rating of an act. Immutable once written.
- follow-up (追评): one later addition to a rating, a new row.
- rectification (整改): the loop a bad rating (差评) opens: verify, rectify, call back.
- desk request (办不成事): a matter that failed anywhere, coordinated to a result.

Levels are stored by meaning (``very_satisfied`` ...), never by a number: the national
standard numbers the scale 1 = 非常满意, the provincial interface 1 = 非常不满意. Numbers
exist only at the edges (:mod:`govsvc.evaluations.levels`).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from govsvc.catalog.models import ServiceItem
from govsvc.directory.models import Department, HallWindow


class Level(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", "非常满意"
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"
    VERY_DISSATISFIED = "very_dissatisfied", "非常不满意"


BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})


class ActKind(models.TextChoices):
    CASE_ACCEPTED = "case_accepted", "办件受理"
    CASE_COMPLETED = "case_completed", "办件办结"
    TICKET_ANSWERED = "ticket_answered", "热线答复"
    WINDOW_VISIT = "window_visit", "窗口服务"


class Channel(models.TextChoices):
    WEB = "web", "网页"
    MOBILE = "mobile", "移动端"
    WINDOW_PAD = "window_pad", "窗口评价器"
    SMS = "sms", "短信"
    PHONE = "phone", "电话"


class Indicator(models.TextChoices):
    EFFICIENCY = "efficiency", "办事效率"
    GUIDE = "guide", "办事指南准确"
    CONVENIENCE = "convenience", "办事便利"
    ATTITUDE = "attitude", "服务态度"
    INTEGRITY = "integrity", "廉洁规范"
    ENVIRONMENT = "environment", "场所环境"
    ONLINE = "online", "网上办事体验"


def _new_token() -> str:
    return secrets.token_urlsafe(12)


class ServiceAct(models.Model):
    """Something done for a person that they may rate once."""

    kind = models.CharField("类型", max_length=32, choices=ActKind.choices)
    reference = models.CharField("办件编号/工单编号", max_length=64)
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT
    )
    department = models.ForeignKey(Department, verbose_name="部门", on_delete=models.PROTECT)
    window = models.ForeignKey(
        HallWindow, verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_acts",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办事人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_acts",
    )
    person_name_masked = models.CharField("办事人(脱敏)", max_length=32, blank=True)
    phone_masked = models.CharField("手机号(脱敏)", max_length=20, blank=True)
    # A keyed digest of the phone number: lets an SMS reply find its act without the
    # number itself being stored.
    phone_digest = models.CharField("手机号摘要", max_length=64, blank=True, db_index=True)
    token = models.CharField("评价链接令牌", max_length=32, unique=True, default=_new_token)
    occurred_at = models.DateTimeField("发生时间")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "办事行为"
        verbose_name_plural = "办事行为"
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="unique_act_per_reference")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def has_person(self) -> bool:
        return self.person_id is not None or bool(self.phone_digest)


class RatingStatus(models.TextChoices):
    VALID = "valid", "有效"
    SET_ASIDE = "set_aside", "已撤销(不计入)"


class ImmutableError(Exception):
    """A rating, once written, is not changed; corrections are new rows."""


class Rating(models.Model):
    IMMUTABLE_FIELDS = (
        "act_id",
        "level",
        "indicators",
        "text",
        "channel",
        "anonymous",
        "rater_id",
        "entered_by_id",
        "created_at",
    )

    act = models.ForeignKey(
        ServiceAct, verbose_name="办事行为", on_delete=models.PROTECT, related_name="ratings"
    )
    level = models.CharField("评价等级", max_length=32, choices=Level.choices)
    indicators = models.JSONField("评价指标", default=list, blank=True)
    text = models.TextField("评价内容", blank=True)
    channel = models.CharField("评价渠道", max_length=16, choices=Channel.choices)
    anonymous = models.BooleanField("匿名", default=False)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评价人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who typed it in for the person (a hotline agent on the phone channel).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代录人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=16, choices=RatingStatus.choices, default=RatingStatus.VALID
    )
    # When the person rated: a window pad or SMS gateway may deliver it later.
    created_at = models.DateTimeField("评价时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["act"], name="one_rating_per_act")]

    def __str__(self) -> str:
        return f"{self.act} {self.get_level_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Rating.objects.filter(pk=self.pk).values(*self.IMMUTABLE_FIELDS).first()
            if stored is not None:
                changed = [f for f in self.IMMUTABLE_FIELDS if stored[f] != getattr(self, f)]
                if changed:
                    raise ImmutableError("评价提交后不可修改，如需补充请追评。")
        super().save(*args, **kwargs)

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def is_named(self) -> bool:
        return not self.anonymous and self.act.has_person

    @property
    def indicator_labels(self) -> list[str]:
        labels = dict(Indicator.choices)
        return [labels.get(code, code) for code in self.indicators]


class FollowUp(models.Model):
    """追评: one addition to a rating, by the same person."""

    rating = models.OneToOneField(
        Rating, verbose_name="评价", on_delete=models.PROTECT, related_name="follow_up"
    )
    text = models.TextField("追评内容")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    created_at = models.DateTimeField("追评时间", auto_now_add=True)

    class Meta:
        verbose_name = "追评"
        verbose_name_plural = "追评"

    def __str__(self) -> str:
        return f"追评 {self.rating_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("追评提交后不可修改。")
        super().save(*args, **kwargs)


class RectificationStatus(models.TextChoices):
    OPENED = "opened", "待核实"
    RECTIFYING = "rectifying", "整改中"
    APPEALED = "appealed", "申诉复核中"
    RECTIFIED = "rectified", "已整改待回访"
    CLOSED = "closed", "已办结"
    SET_ASIDE = "set_aside", "申诉成立已撤销"


class AppealGround(models.TextChoices):
    UNCLEAR = "unclear", "评价内容不清"
    UNFOUNDED = "unfounded", "评价与事实不符"
    MALICIOUS = "malicious", "恶意评价"


class EscalationStage(models.TextChoices):
    NONE = "", "未督办"
    VERIFY = "verify", "核实超期督办"
    RECTIFY = "rectify", "整改超期督办"


class Rectification(models.Model):
    """The loop one bad rating opens; changed only through :mod:`.rectifications`."""

    rating = models.OneToOneField(
        Rating, verbose_name="差评", on_delete=models.PROTECT, related_name="rectification"
    )
    department = models.ForeignKey(
        Department, verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态",
        max_length=16,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPENED,
        db_index=True,
    )
    opened_on = models.DateField("登记日期")
    verify_due = models.DateField("核实期限")
    rectify_due = models.DateField("整改期限")
    finding = models.TextField("核实情况", blank=True)
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    measures = models.TextField("整改措施", blank=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    callback_note = models.TextField("回访情况", blank=True)
    callback_level = models.CharField(
        "回访再评价", max_length=32, choices=Level.choices, blank=True
    )
    called_back_at = models.DateTimeField("回访时间", null=True, blank=True)
    appeal_ground = models.CharField(
        "申诉理由类别", max_length=16, choices=AppealGround.choices, blank=True
    )
    appeal_reason = models.TextField("申诉理由", blank=True)
    review_note = models.TextField("复核意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalation_stage = models.CharField(
        "督办", max_length=16, choices=EscalationStage.choices, blank=True, default=""
    )
    escalated_to = models.ForeignKey(
        Department,
        verbose_name="督办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"整改 {self.pk} ({self.get_status_display()})"

    @property
    def rectified_on_time(self) -> bool | None:
        """None while the outcome is not known yet."""
        if self.rectified_at is None:
            return None
        return timezone.localdate(self.rectified_at) <= self.rectify_due


class DeskStatus(models.TextChoices):
    OPENED = "opened", "已登记"
    COORDINATING = "coordinating", "协调办理中"
    ESCALATED = "escalated", "已提级督办"
    CLOSED = "closed", "已办结"


class DeskOutcome(models.TextChoices):
    SOLVED = "solved", "已办成"
    EXPLAINED = "explained", "已解释说明"
    NOT_POSSIBLE = "not_possible", "依法不能办理"


class DeskRequest(models.Model):
    """办不成事: a matter that failed somewhere, coordinated to a result in a time limit."""

    number = models.CharField("编号", max_length=32, unique=True)
    title = models.CharField("事由", max_length=200)
    description = models.TextField("情况说明")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反映人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField("联系人", max_length=64)
    # Kept in full because the coordinator must call back; shown masked everywhere.
    contact_phone = models.CharField("联系电话", max_length=20)
    failed_department = models.ForeignKey(
        Department,
        verbose_name="未办成的部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name="相关事项", null=True, blank=True, on_delete=models.PROTECT
    )
    reference = models.CharField("相关办件/工单编号", max_length=64, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=DeskStatus.choices, default=DeskStatus.OPENED
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="协调人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    departments = models.ManyToManyField(
        Department, verbose_name="协同部门", blank=True, related_name="+"
    )
    opened_on = models.DateField("登记日期")
    due = models.DateField("办结期限")
    outcome = models.CharField("办理结果", max_length=16, choices=DeskOutcome.choices, blank=True)
    result = models.TextField("结果说明", blank=True)
    escalated_at = models.DateTimeField("提级时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "办不成事反映"
        verbose_name_plural = "办不成事反映"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
