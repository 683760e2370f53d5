"""Policies (惠企惠民政策) with versioned eligibility rules, profiles (画像), matches,
notifications and payment orders (免申即享 / 即申即享).

Glossary: ``policy`` 政策, ``rule`` 申享条件（规则）, ``profile`` 画像, ``match`` 匹配结果,
``batch`` 批量匹配, ``payment order`` 兑现支付单, ``finance export`` 财政交接文件.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from govsvc.directory.models import Department


class Audience(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    RESIDENT = "resident", "个人"


class DeliveryMode(models.TextChoices):
    NO_APPLY = "no_apply", "免申即享"
    CONFIRM = "confirm", "即申即享"


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已停止"


class Policy(models.Model):
    """The elements of a policy (政策要素). The rule lives in its versions."""

    code = models.CharField("政策编码", max_length=32, unique=True)
    title = models.CharField("政策名称", max_length=200)
    audience = models.CharField("对象", max_length=16, choices=Audience.choices)
    mode = models.CharField("兑现方式", max_length=16, choices=DeliveryMode.choices)
    department = models.ForeignKey(
        Department, verbose_name="主管部门", null=True, blank=True, on_delete=models.PROTECT
    )
    legal_source = models.CharField("政策依据", max_length=255, blank=True)
    domain = models.CharField("所属领域", max_length=64, blank=True)
    beneficiaries = models.CharField("享受对象", max_length=255, blank=True)
    summary = models.TextField("政策内容", blank=True)
    budget = models.DecimalField(
        "资金预算（元）", max_digits=16, decimal_places=2, null=True, blank=True
    )
    period_start = models.DateField("执行期起", null=True, blank=True)
    period_end = models.DateField("执行期止", null=True, blank=True)
    payment_path = models.CharField("兑现路径", max_length=255, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    published_version = models.ForeignKey(
        "PolicyVersion",
        verbose_name="生效版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策"
        verbose_name_plural = "政策"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "已退回"


class PolicyVersion(models.Model):
    """One wording of the rule and amount. Approved versions are never edited."""

    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    rule = models.TextField("申享条件（规则）")
    amount = models.DecimalField(
        "固定金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_formula = models.CharField("金额公式", max_length=500, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "政策版本"
        verbose_name_plural = "政策版本"
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="unique_policy_version"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.number}"


class Profile(models.Model):
    """An enterprise or resident profile (画像): current values plus dated facts."""

    kind = models.CharField("类别", max_length=16, choices=Audience.choices)
    entity_id = models.CharField("统一社会信用代码/身份证号", max_length=32)
    name = models.CharField("名称", max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="policy_profiles",
    )
    phone = models.CharField("联系电话", max_length=32, blank=True)
    bank_account = models.CharField("收款账户", max_length=64, blank=True)
    values = models.JSONField("当前画像值", default=dict, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "画像"
        verbose_name_plural = "画像"
        ordering = ["kind", "entity_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "entity_id"], name="unique_profile_entity"),
        ]

    def __str__(self) -> str:
        return self.name or self.entity_id


class FactSource(models.TextChoices):
    REGISTRATION = "registration", "登记"
    TAX = "tax", "税务"
    SOCIAL_SECURITY = "social_security", "社保"
    CERTIFICATE = "certificate", "证照"
    TAG = "tag", "标签"
    IMPORT = "import", "批量导入"


class ProfileFact(models.Model):
    """One field's value and the date from which it was true (数据时点)."""

    profile = models.ForeignKey(
        Profile, verbose_name="画像", on_delete=models.CASCADE, related_name="facts"
    )
    field = models.CharField("字段", max_length=64)
    value = models.JSONField("值", null=True)
    as_of = models.DateField("数据时点")
    source = models.CharField("来源", max_length=32, choices=FactSource.choices)

    class Meta:
        verbose_name = "画像数据"
        verbose_name_plural = "画像数据"
        ordering = ["profile", "field", "-as_of"]
        indexes = [models.Index(fields=["profile", "field", "as_of"])]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.field}@{self.as_of}"


class ProfileImport(models.Model):
    kind = models.CharField("类别", max_length=16, choices=Audience.choices)
    file_name = models.CharField("文件名", max_length=255)
    as_of = models.DateField("数据时点")
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_ok = models.PositiveIntegerField("导入行数", default=0)
    errors = models.JSONField("问题行", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "画像导入"
        verbose_name_plural = "画像导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows_ok}/{self.rows_total})"


class BatchStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "匹配中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class MatchBatch(models.Model):
    """One run of published rules over every profile of an audience."""

    audience = models.CharField("对象", max_length=16, choices=Audience.choices)
    status = models.CharField(
        "状态", max_length=16, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    as_of = models.DateField(
        "数据时点", null=True, blank=True, help_text="按该日的画像数据匹配；为空则用当前数据"
    )
    policies_total = models.PositiveIntegerField("政策数", default=0)
    policies_done = models.PositiveIntegerField("已完成政策数", default=0)
    profiles = models.PositiveIntegerField("画像数", default=0)
    matches = models.PositiveIntegerField("匹配数", default=0)
    error = models.TextField("错误", blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批量匹配"
        verbose_name_plural = "批量匹配"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"批次 {self.pk} {self.get_status_display()}"

    @property
    def progress(self) -> int:
        if not self.policies_total:
            return 100 if self.status == BatchStatus.DONE else 0
        return round(100 * self.policies_done / self.policies_total)


class MatchStatus(models.TextChoices):
    MATCHED = "matched", "符合条件"
    NOTIFIED = "notified", "已推送"
    CONFIRMED = "confirmed", "已确认申领"
    ORDERED = "ordered", "已生成支付单"


class Match(models.Model):
    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.CASCADE, related_name="matches"
    )
    version = models.ForeignKey(PolicyVersion, verbose_name="版本", on_delete=models.PROTECT)
    profile = models.ForeignKey(
        Profile, verbose_name="画像", on_delete=models.CASCADE, related_name="matches"
    )
    batch = models.ForeignKey(
        MatchBatch,
        verbose_name="批次",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="results",
    )
    explanation = models.JSONField("匹配说明", default=dict)
    amount = models.DecimalField(
        "测算金额（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        "状态", max_length=16, choices=MatchStatus.choices, default=MatchStatus.MATCHED
    )
    created_at = models.DateTimeField("匹配时间", auto_now_add=True)

    class Meta:
        verbose_name = "匹配结果"
        verbose_name_plural = "匹配结果"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "profile"], name="unique_match_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} → {self.profile}"


class Notification(models.Model):
    """In-app message (站内消息) for a profile's owner."""

    profile = models.ForeignKey(
        Profile, verbose_name="画像", on_delete=models.CASCADE, related_name="notifications"
    )
    match = models.ForeignKey(
        Match, verbose_name="匹配结果", null=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    created_at = models.DateTimeField("推送时间", auto_now_add=True)

    class Meta:
        verbose_name = "站内消息"
        verbose_name_plural = "站内消息"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["match"], name="one_notification_per_match"),
        ]

    def __str__(self) -> str:
        return self.title


class PaymentStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", "待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "不予兑现"
    HANDED_OVER = "handed_over", "已移交财政"


class FinanceExport(models.Model):
    """One hand-off file to the finance system. The key makes a repeat hand-off a no-op."""

    key = models.CharField("交接批次号", max_length=64, unique=True)
    file_name = models.CharField("文件", max_length=255)
    orders = models.PositiveIntegerField("支付单数", default=0)
    total = models.DecimalField(
        "金额合计（元）", max_digits=16, decimal_places=2, default=Decimal(0)
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("移交时间", auto_now_add=True)

    class Meta:
        verbose_name = "财政交接"
        verbose_name_plural = "财政交接"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key


class PaymentOrder(models.Model):
    """A payment to a beneficiary's account; at most one per policy, period and beneficiary."""

    policy = models.ForeignKey(
        Policy, verbose_name="政策", on_delete=models.PROTECT, related_name="payments"
    )
    period = models.CharField("兑现期次", max_length=16, help_text="如 2025 或 2025-Q3")
    profile = models.ForeignKey(
        Profile, verbose_name="受益人", on_delete=models.PROTECT, related_name="payments"
    )
    match = models.ForeignKey(Match, verbose_name="匹配结果", on_delete=models.PROTECT)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    account = models.CharField("收款账户", max_length=64)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING_REVIEW,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField("审核意见", max_length=500, blank=True)
    export = models.ForeignKey(
        FinanceExport,
        verbose_name="财政交接",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_orders",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "兑现支付单"
        verbose_name_plural = "兑现支付单"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "period", "profile"], name="pay_once_per_policy_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} {self.period} {self.profile}"
