"""12345 hotline: tickets (工单), their events, the dispatch catalogue and alerts.

Glossary: ticket 工单, dispatch 派单, return 退单, objection 派单异议, redispatch 改派,
extension 延期, merge 并单, supervise 督办, callback 回访, evaluation 评价,
seat 专席, category 诉求分类, dispatch rule 派单目录条目, alert 预警.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

from govsvc.core.masking import mask_address, mask_name, mask_phone
from govsvc.directory.models import Department, Region, RegionLevel


class Seat(models.TextChoices):
    """The specialist seats (专席) named in 武政〔2025〕9号, task 4."""

    BUSINESS = "business", "营商环境专席"
    PUBLIC_SECURITY = "public_security", "公安专席"
    EDUCATION = "education", "教育专席"
    MEDICAL = "medical", "医疗专席"
    HOUSING = "housing", "住房专席"


class Kind(models.TextChoices):
    CONSULT = "consult", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    CRITICAL = "critical", "特急"


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    WEB = "web", "网站"
    MOBILE = "mobile", "移动端"
    API = "api", "接口"
    OPEN311 = "open311", "Open311"


class EmergencyLine(models.TextChoices):
    POLICE = "110", "110 报警"
    FIRE = "119", "119 火警"
    AMBULANCE = "120", "120 急救"
    TRAFFIC = "122", "122 交通事故"


class Status(models.TextChoices):
    RECEIVED = "received", "已受理"
    DISPATCHED = "dispatched", "已派单"
    PROCESSING = "processing", "办理中"
    RETURNED = "returned", "已退单"
    OBJECTED = "objected", "派单异议"
    ANSWERED = "answered", "已答复"
    CLOSED = "closed", "已办结"
    VISITED = "visited", "已回访"
    EVALUATED = "evaluated", "已评价"
    MERGED = "merged", "已并单"
    TRANSFERRED = "transferred", "已转紧急热线"


OPEN_STATUSES = [
    Status.RECEIVED,
    Status.DISPATCHED,
    Status.PROCESSING,
    Status.RETURNED,
    Status.OBJECTED,
    Status.ANSWERED,
]
DONE_STATUSES = [Status.CLOSED, Status.VISITED, Status.EVALUATED]


# A ticket's topic: the category the agent confirmed, else (until dispatch) the
# classifier's proposal. Open311 shows it, the dashboard and the burst detection count by it.
def in_topic(lookup: str, value: Any) -> models.Q:
    """Tickets whose topic matches ``category__<lookup>=value``."""
    return models.Q(**{f"category__{lookup}": value}) | models.Q(
        category__isnull=True, **{f"proposed_category__{lookup}": value}
    )


def topic_name() -> Coalesce:
    """The topic's name as a query expression."""
    return Coalesce("category__name", "proposed_category__name")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Category(models.Model):
    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    seat = models.CharField("专席", max_length=32, choices=Seat.choices, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DispatchRule(models.Model):
    """派单目录: who answers a category in a region; no region means the whole city."""

    category = models.ForeignKey(Category, verbose_name="诉求分类", on_delete=models.CASCADE)
    region = models.ForeignKey(
        Region, verbose_name="区划", null=True, blank=True, on_delete=models.CASCADE
    )
    department = models.ForeignKey(Department, verbose_name="承办部门", on_delete=models.PROTECT)
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "派单目录条目"
        verbose_name_plural = "派单目录"
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region"], name="hotline_unique_rule_per_region"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(region__isnull=True),
                name="hotline_unique_citywide_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} @ {self.region or '全市'} → {self.department}"


class LimitUnit(models.TextChoices):
    HOURS = "hours", "小时"
    WORKDAYS = "workdays", "工作日"


class TimeLimitRule(models.Model):
    """办理时限 per type and urgency; missing rules fall back to timelimits.DEFAULTS."""

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    urgency = models.CharField("紧急程度", max_length=16, choices=Urgency.choices)
    amount = models.PositiveIntegerField("时限")
    unit = models.CharField("单位", max_length=16, choices=LimitUnit.choices)
    remind_before_hours = models.PositiveIntegerField("提前提醒（小时）", default=24)

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        constraints = [
            models.UniqueConstraint(fields=["kind", "urgency"], name="hotline_unique_limit"),
        ]

    def __str__(self) -> str:
        limit = f"{self.amount}{self.get_unit_display()}"
        return f"{self.get_kind_display()}/{self.get_urgency_display()}: {limit}"


def _ticket_number() -> str:
    return uuid.uuid4().hex[:12].upper()


class Ticket(models.Model):
    number = models.CharField("工单编号", max_length=32, unique=True, default=_ticket_number)
    token = models.UUIDField("Open311 令牌", default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    urgency = models.CharField(
        "紧急程度", max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    confidential = models.BooleanField("保密", default=False)
    emergency_line = models.CharField(
        "转接紧急热线", max_length=3, choices=EmergencyLine.choices, blank=True
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )

    caller_name = models.CharField("来电人", max_length=64, blank=True)
    caller_phone = models.CharField("联系电话", max_length=32, blank=True)
    caller_id_number = models.CharField("证件号码", max_length=18, blank=True)
    caller_email = models.EmailField("电子邮箱", blank=True)

    title = models.CharField("标题", max_length=120, blank=True)
    content = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=255, blank=True)
    media_url = models.URLField("图片链接", max_length=500, blank=True)
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The district and street of ``region``, kept on the row for analysis by place.
    district = models.ForeignKey(
        Region,
        verbose_name="区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    street = models.ForeignKey(
        Region,
        verbose_name="街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    category = models.ForeignKey(
        Category,
        verbose_name="诉求分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="承办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    seat = models.CharField("专席", max_length=32, choices=Seat.choices, blank=True)
    proposed_category = models.ForeignKey(
        Category,
        verbose_name="建议分类",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_department = models.ForeignKey(
        Department,
        verbose_name="建议部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposal_confidence = models.FloatField("建议置信度", null=True, blank=True)

    parent = models.ForeignKey(
        "self",
        verbose_name="主工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_children",
    )

    received_at = models.DateTimeField("受理时间", auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    deadline = models.DateTimeField("办理时限", null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    overdue_at = models.DateTimeField("超期督办时间", null=True, blank=True)
    supervision_count = models.PositiveIntegerField("督办次数", default=0)
    extension_pending = models.BooleanField("延期待审批", default=False)
    extension_workdays = models.PositiveIntegerField("申请延期（工作日）", default=0)
    extension_reason = models.CharField("延期理由", max_length=255, blank=True)
    return_reason = models.CharField("退单/异议理由", max_length=255, blank=True)

    answer = models.TextField("答复内容", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    resolved = models.BooleanField("已解决", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    on_time = models.BooleanField("按时办结", null=True, blank=True)
    callback_note = models.CharField("回访记录", max_length=255, blank=True)
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    satisfaction = models.CharField("评价", max_length=16, choices=Satisfaction.choices, blank=True)
    evaluated_at = models.DateTimeField("评价时间", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["street", "received_at"], name="hotline_ticket_street_time"),
            models.Index(fields=["category", "received_at"], name="hotline_ticket_cat_time"),
            models.Index(fields=["seat", "status"], name="hotline_ticket_seat_status"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: object, **kwargs: object) -> None:
        self.district, self.street = _district_and_street(self.region)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def topic(self) -> Category | None:
        """The confirmed category, else the classifier's proposal (see in_topic)."""
        return self.category or self.proposed_category

    @property
    def masked_caller_name(self) -> str:
        return mask_name(self.caller_name)

    @property
    def masked_caller_phone(self) -> str:
        return mask_phone(self.caller_phone) if self.caller_phone else ""

    @property
    def masked_address(self) -> str:
        return mask_address(self.address, keep=8)

    @property
    def summary(self) -> str:
        return self.title or self.content[:40]


def _district_and_street(region: Region | None) -> tuple[Region | None, Region | None]:
    district = street = None
    node = region
    while node is not None:
        if node.level == RegionLevel.DISTRICT:
            district = node
        elif node.level == RegionLevel.STREET:
            street = node
        node = node.parent
    return district, street


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to="hotline/%Y/%m/")
    name = models.CharField("文件名", max_length=255)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.name


class TicketEvent(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField("动作", max_length=32)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    data = models.JSONField("内容", default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "工单流转记录"
        verbose_name_plural = "工单流转记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket} {self.action}"


class ClassifierFeedback(models.Model):
    """What the classifier proposed and what the agent chose: tomorrow's training data."""

    ticket = models.OneToOneField(
        Ticket, verbose_name="工单", on_delete=models.CASCADE, related_name="feedback"
    )
    text = models.TextField("文本")
    proposed = models.CharField("建议分类", max_length=64, blank=True)
    chosen = models.CharField("确认分类", max_length=64)
    confidence = models.FloatField("置信度", null=True, blank=True)
    corrected = models.BooleanField("已纠正", default=False)
    at = models.DateTimeField("时间", auto_now=True)

    class Meta:
        verbose_name = "分类反馈"
        verbose_name_plural = "分类反馈"

    def __str__(self) -> str:
        return f"{self.proposed} → {self.chosen}"


class AlertKind(models.TextChoices):
    BURST = "burst", "突发聚集"
    SEASONAL = "seasonal", "季节性预测"


class Alert(models.Model):
    kind = models.CharField("类型", max_length=16, choices=AlertKind.choices)
    key = models.CharField("去重键", max_length=128, unique=True)
    title = models.CharField("标题", max_length=255)
    category = models.ForeignKey(
        Category, verbose_name="诉求分类", null=True, blank=True, on_delete=models.SET_NULL
    )
    region = models.ForeignKey(
        Region,
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    window_start = models.DateTimeField("起始时间")
    window_end = models.DateTimeField("截止时间")
    ticket_count = models.PositiveIntegerField("工单数", default=0)
    tickets = models.ManyToManyField(Ticket, verbose_name="工单", blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    acknowledged = models.BooleanField("已处理", default=False)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CallerMessage(models.Model):
    """An SMS to a ticket's caller, written with the step it reports and sent after commit;
    one the gateway refused is tried again by hotline_tick (see notify.py)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.CASCADE, related_name="caller_messages"
    )
    stage = models.CharField("环节", max_length=16)
    text = models.CharField("短信内容", max_length=500)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    # Unsent messages are due again from this time (also a lease while one is being sent).
    due_at = models.DateTimeField("下次发送时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=255, blank=True)

    class Meta:
        verbose_name = "来电人短信"
        verbose_name_plural = "来电人短信"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="hotline_callermsg_unsent",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.stage}"
