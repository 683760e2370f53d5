"""The one catalog (一张清单): service items with the national standard elements.

A base item (``base`` empty) is the base catalog entry (基本目录); implementation items at
city, district, street and community level point to it and must keep the same standard
elements (四级同要素). Every change is kept as an immutable :class:`ItemVersion`.
"""

from django.db import models

from govsvc.directory.models import Department, Region


class ItemType(models.TextChoices):
    """GB/T 39554 item types; the value is the two-digit code."""

    LICENSING = "01", "行政许可"
    PENALTY = "02", "行政处罚"
    COERCION = "03", "行政强制"
    LEVY = "04", "行政征收"
    BENEFIT = "05", "行政给付"
    INSPECTION = "06", "行政检查"
    CONFIRMATION = "07", "行政确认"
    REWARD = "08", "行政奖励"
    ADJUDICATION = "09", "行政裁决"
    OTHER_POWER = "10", "其他行政权力"
    PUBLIC_SERVICE = "20", "公共服务"


class ItemLevel(models.TextChoices):
    CITY = "city", "市级"
    DISTRICT = "district", "区级"
    STREET = "street", "街道(乡镇)级"
    COMMUNITY = "community", "社区(村)级"


# GB/T 39554 exercising level digit used in the 31-character implementation code.
LEVEL_DIGIT = {"city": "3", "district": "4", "street": "5", "community": "6"}


class CaseKind(models.TextChoices):
    INSTANT = "instant", "即办件"
    PROMISE = "promise", "承诺件"


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "待审核"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


SERVICE_OBJECTS = ["自然人", "企业法人", "事业法人", "社会组织法人", "行政机关", "其他组织"]
HANDLING_FORMS = {
    "window": "窗口办理",
    "web": "网上办理",
    "mobile": "移动端办理",
    "express": "快递",
    "kiosk": "自助终端",
}
RESULT_TYPES = {
    "certificate": "证件",
    "licence": "许可证",
    "approval": "批文",
    "record": "备案/登记凭证",
    "other": "其他",
}


class ServiceItem(models.Model):
    basic_code = models.CharField("基本编码", max_length=12, db_index=True)
    implementation_code = models.CharField(
        "实施编码", max_length=33, unique=True, null=True, blank=True
    )
    local_code = models.CharField("地方事项编码", max_length=64, blank=True)
    base = models.ForeignKey(
        "self",
        verbose_name="基本目录事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="implementations",
    )
    name = models.CharField("事项名称", max_length=200)
    item_type = models.CharField("事项类型", max_length=2, choices=ItemType.choices)
    level = models.CharField("行使层级", max_length=16, choices=ItemLevel.choices)
    region = models.ForeignKey(Region, verbose_name="实施区划", on_delete=models.PROTECT)
    department = models.ForeignKey(
        Department, verbose_name="实施主体", on_delete=models.PROTECT, related_name="items"
    )
    objects_served = models.JSONField("服务对象", default=list)
    legal_basis = models.TextField("设定依据", blank=True)
    conditions = models.TextField("受理条件", blank=True)
    steps = models.JSONField("办理流程", default=list, blank=True)
    statutory_days = models.PositiveIntegerField("法定办结时限(工作日)", null=True, blank=True)
    promised_days = models.PositiveIntegerField("承诺办结时限(工作日)", null=True, blank=True)
    fee = models.CharField("收费", max_length=255, blank=True, default="不收费")
    forms = models.JSONField("办理形式", default=list, blank=True)
    online_depth = models.PositiveSmallIntegerField("网办深度", default=1)
    visits = models.PositiveSmallIntegerField("到办事现场次数", default=1)
    case_kind = models.CharField(
        "办件类型", max_length=16, choices=CaseKind.choices, default=CaseKind.PROMISE
    )
    place = models.CharField("办理地点", max_length=255, blank=True)
    hours = models.CharField("办理时间", max_length=255, blank=True)
    phone = models.CharField("咨询电话", max_length=64, blank=True)
    result_name = models.CharField("结果名称", max_length=128, blank=True)
    result_type = models.CharField("结果类型", max_length=16, blank=True)
    keywords = models.JSONField("检索关键词", default=list, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        ordering = ["basic_code", "level"]
        permissions = [("publish_serviceitem", "可审核发布事项")]
        indexes = [models.Index(fields=["status", "level"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.department}）"

    @property
    def code(self) -> str:
        return self.implementation_code or self.basic_code

    @property
    def is_base(self) -> bool:
        return self.base_id is None


class MaterialForm(models.TextChoices):
    PAPER = "paper", "纸质"
    ELECTRONIC = "electronic", "电子"
    EITHER = "paper_or_electronic", "纸质或电子"


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", "申请人自备"
    SHARED_DATA = "shared_data", "共享数据获取"
    CERTIFICATE = "certificate", "电子证照获取"


class ItemMaterial(models.Model):
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("材料名称", max_length=200)
    required = models.BooleanField("必要", default=True)
    form = models.CharField(
        "材料形式", max_length=24, choices=MaterialForm.choices, default=MaterialForm.EITHER
    )
    source = models.CharField(
        "来源渠道", max_length=16, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    copies = models.PositiveSmallIntegerField("份数", default=1)
    promise_allowed = models.BooleanField("可告知承诺替代", default=False)
    may_follow = models.BooleanField("可容缺后补", default=False)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ItemVersion(models.Model):
    """A snapshot of an item's elements, written on every change; never edited."""

    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateField("生效日期")
    elements = models.JSONField("要素")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    created_by = models.CharField("变更人", max_length=150, blank=True)
    note = models.CharField("变更说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="unique_item_version"),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} v{self.version}"
