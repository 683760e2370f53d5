"""Cases (办件): one application for a bundle or a single item, and its sub-cases.

A case is accepted once by the lead department's window (一窗受理); acceptance creates one
sub-case per applicable sub-item, each handled by its department, in parallel where the
bundle's data allows and in order where one sub-item needs another's result.
"""

import uuid

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition
from stdnum.cn import ric, uscc

from govsvc.bundles.models import Bundle, BundleItem
from govsvc.catalog.models import ServiceItem
from govsvc.directory.models import Department


class ApplicantKind(models.TextChoices):
    PERSON = "person", "自然人"
    LEGAL = "legal", "法人"


class Applicant(models.Model):
    kind = models.CharField("类型", max_length=16, choices=ApplicantKind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicant",
    )
    name = models.CharField("姓名/名称", max_length=128)
    id_number = models.CharField("公民身份号码", max_length=18, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    profile = models.JSONField("可复用资料", default=dict, blank=True)

    class Meta:
        verbose_name = "申请人"
        verbose_name_plural = "申请人"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~models.Q(id_number=""), name="unique_id_number"
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="unique_credit_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_identifiers(self) -> list[str]:
        """Problems with the identifiers, in Chinese; empty when they are valid."""
        problems = []
        if self.kind == ApplicantKind.PERSON and not ric.is_valid(self.id_number):
            problems.append("公民身份号码不正确（请检查位数和最后一位校验码）")
        if self.kind == ApplicantKind.LEGAL and not uscc.is_valid(self.credit_code):
            problems.append("统一社会信用代码不正确（请检查位数和最后一位校验码）")
        return problems


class Authorisation(models.Model):
    """An agent (帮办代办, a family member, a company's clerk) may apply for an applicant."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代办人",
        on_delete=models.CASCADE,
        related_name="authorisations",
    )
    applicant = models.ForeignKey(
        Applicant, verbose_name="委托人", on_delete=models.CASCADE, related_name="authorisations"
    )
    bundle = models.ForeignKey(
        Bundle, verbose_name="限于一件事", null=True, blank=True, on_delete=models.CASCADE
    )
    document = models.CharField("授权文书", max_length=255)
    valid_until = models.DateField("有效期至")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "代办授权"
        verbose_name_plural = "代办授权"

    def __str__(self) -> str:
        return f"{self.agent} → {self.applicant}"


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待受理"
    RETURNED = "returned", "待补正"
    REFUSED = "refused", "不予受理"
    ACCEPTED = "accepted", "办理中"
    COMPLETED = "completed", "已办结"
    DELIVERED = "delivered", "已送达"


class DeliveryMethod(models.TextChoices):
    DOWNLOAD = "download", "网上下载"
    POST = "post", "邮寄送达"
    WINDOW = "window", "窗口领取"


class Case(models.Model):
    number = models.CharField("办件编号", max_length=32, unique=True, null=True, blank=True)
    bundle = models.ForeignKey(
        Bundle, verbose_name="一件事", null=True, blank=True, on_delete=models.PROTECT
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name="单事项", null=True, blank=True, on_delete=models.PROTECT
    )
    applicant = models.ForeignKey(
        Applicant, verbose_name="申请人", on_delete=models.PROTECT, related_name="cases"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="+"
    )
    authorisation = models.ForeignKey(
        Authorisation, verbose_name="代办授权", null=True, blank=True, on_delete=models.PROTECT
    )
    lead_department = models.ForeignKey(
        Department, verbose_name="受理部门", on_delete=models.PROTECT, related_name="led_cases"
    )
    status = FSMField("状态", default=CaseStatus.DRAFT, choices=CaseStatus.choices, protected=True)
    answers = models.JSONField("情形", default=dict, blank=True)
    form_data = models.JSONField("申请表", default=dict, blank=True)
    idempotency_key = models.CharField("幂等键", max_length=64, unique=True, null=True, blank=True)
    missing = models.JSONField("一次性告知", default=list, blank=True)
    refusal_reason = models.TextField("不予受理理由", blank=True)
    delivery_method = models.CharField(
        "送达方式", max_length=16, choices=DeliveryMethod.choices, default=DeliveryMethod.DOWNLOAD
    )
    postal_address = models.CharField("邮寄地址", max_length=255, blank=True)
    postal_tracking = models.CharField("邮件单号", max_length=64, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    promised_date = models.DateField("承诺办结日期", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["lead_department", "status"]),
            models.Index(fields=["applicant", "status"]),
        ]

    def __str__(self) -> str:
        return self.number or f"草稿 #{self.pk}"

    @property
    def title(self) -> str:
        if self.bundle_id:
            return f"{self.bundle.name}“一件事”"  # type: ignore[union-attr]
        return self.item.name if self.item else ""

    # Transitions. Side effects (audit, events) live in govsvc.cases.services.
    @transition(
        field=status, source=[CaseStatus.DRAFT, CaseStatus.RETURNED], target=CaseStatus.SUBMITTED
    )
    def submit(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.SUBMITTED, target=CaseStatus.RETURNED)
    def return_for_correction(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.SUBMITTED, target=CaseStatus.REFUSED)
    def refuse(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.SUBMITTED, target=CaseStatus.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.ACCEPTED, target=CaseStatus.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(field=status, source=CaseStatus.COMPLETED, target=CaseStatus.DELIVERED)
    def deliver(self) -> None:
        pass


class SubStatus(models.TextChoices):
    WAITING = "waiting", "等待前置事项"
    PENDING = "pending", "待签收"
    HANDLING = "handling", "办理中"
    CORRECTION = "correction", "待补正"
    APPROVED = "approved", "已办结(准予)"
    REFUSED = "refused", "已办结(不予)"
    SKIPPED = "skipped", "无需办理"


DONE_SUB_STATUSES = {SubStatus.APPROVED, SubStatus.REFUSED, SubStatus.SKIPPED}


class SubCase(models.Model):
    case = models.ForeignKey(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="subcases"
    )
    bundle_item = models.ForeignKey(
        BundleItem, verbose_name="子事项", null=True, blank=True, on_delete=models.PROTECT
    )
    item = models.ForeignKey(ServiceItem, verbose_name="事项", on_delete=models.PROTECT)
    department = models.ForeignKey(
        Department, verbose_name="办理部门", on_delete=models.PROTECT, related_name="subcases"
    )
    status = FSMField("状态", default=SubStatus.WAITING, choices=SubStatus.choices, protected=True)
    depends_on = models.ManyToManyField(
        "self", verbose_name="前置子件", symmetrical=False, blank=True, related_name="dependents"
    )
    deadline = models.DateField("办理时限", null=True, blank=True)
    dispatched_at = models.DateTimeField("派发时间", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    reason = models.TextField("意见/理由", blank=True)
    results = models.JSONField("办理结果", default=list, blank=True)
    warned_at = models.DateTimeField("临期提醒时间", null=True, blank=True)
    overdue_at = models.DateTimeField("超期标记时间", null=True, blank=True)

    class Meta:
        verbose_name = "子办件"
        verbose_name_plural = "子办件"
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["department", "status", "deadline"]),
            # The department queue: open sub-cases by deadline, read a page at a time.
            models.Index(
                fields=["department", "deadline", "id"],
                condition=models.Q(status__in=["pending", "handling", "correction"]),
                name="subcase_open_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} / {self.item.name}"

    @transition(field=status, source=SubStatus.WAITING, target=SubStatus.PENDING)
    def dispatch(self) -> None:
        pass

    @transition(
        field=status, source=[SubStatus.PENDING, SubStatus.CORRECTION], target=SubStatus.HANDLING
    )
    def take(self) -> None:
        pass

    @transition(field=status, source=SubStatus.HANDLING, target=SubStatus.CORRECTION)
    def ask_correction(self) -> None:
        pass

    @transition(field=status, source=SubStatus.HANDLING, target=SubStatus.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=SubStatus.HANDLING, target=SubStatus.REFUSED)
    def refuse(self) -> None:
        pass

    @transition(
        field=status, source=[SubStatus.WAITING, SubStatus.PENDING], target=SubStatus.SKIPPED
    )
    def skip(self) -> None:
        pass


def material_path(instance: "CaseMaterial", filename: str) -> str:
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}/{filename}"


class CaseMaterial(models.Model):
    case = models.ForeignKey(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="materials"
    )
    name = models.CharField("材料名称", max_length=200)
    file = models.FileField("文件", upload_to=material_path, max_length=255)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("摘要", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料文件"
        verbose_name_plural = "申请材料文件"
        constraints = [
            models.UniqueConstraint(fields=["case", "name"], name="one_file_per_material")
        ]

    def __str__(self) -> str:
        return self.name


def result_path(instance: "CaseResult", filename: str) -> str:
    return f"results/{instance.subcase.case_id}/{uuid.uuid4().hex}/{filename}"


class CaseResult(models.Model):
    """What a department hands over: a licence, certificate or decision, with its file."""

    subcase = models.ForeignKey(
        SubCase, verbose_name="子办件", on_delete=models.CASCADE, related_name="result_files"
    )
    name = models.CharField("结果名称", max_length=200)
    kind = models.CharField("结果类型", max_length=32, blank=True)
    number = models.CharField("证照编号", max_length=64, blank=True)
    file = models.FileField("文件", upload_to=result_path, max_length=255, blank=True)
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理结果"
        verbose_name_plural = "办理结果"

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """One entry of the case timeline that the applicant and every department see."""

    case = models.ForeignKey(
        Case, verbose_name="办件", on_delete=models.CASCADE, related_name="events"
    )
    subcase = models.ForeignKey(
        SubCase, verbose_name="子办件", null=True, blank=True, on_delete=models.CASCADE
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    department = models.ForeignKey(
        Department, verbose_name="部门", null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField("事件", max_length=40)
    message = models.CharField("说明", max_length=500)

    class Meta:
        verbose_name = "办件动态"
        verbose_name_plural = "办件动态"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class OutboxEvent(models.Model):
    """Written in the same transaction as the change it reports; relayed after commit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField("主题", max_length=64, db_index=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE)
    subcase = models.ForeignKey(SubCase, null=True, blank=True, on_delete=models.CASCADE)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE)
    payload = models.JSONField("内容", default=dict)
    created_at = models.DateTimeField("产生时间", auto_now_add=True)
    relayed_at = models.DateTimeField("分发时间", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.topic} {self.id}"


class WebhookSubscription(models.Model):
    department = models.ForeignKey(
        Department, verbose_name="部门", on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField("接收地址")
    secret = models.CharField("签名密钥", max_length=128)
    topics = models.JSONField("订阅主题", default=list, help_text="空表示全部")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门系统订阅"
        verbose_name_plural = "部门系统订阅"

    def __str__(self) -> str:
        return f"{self.department} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    DEAD = "dead", "失败(死信)"


class WebhookDelivery(models.Model):
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="one_delivery_per_subscription"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} {self.status}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(OutboxEvent, null=True, blank=True, on_delete=models.SET_NULL)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE)
    channel = models.CharField(max_length=16, default="in_app")
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user", "channel"], name="one_notice_per_event"
            )
        ]

    def __str__(self) -> str:
        return self.message
