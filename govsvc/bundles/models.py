"""Bundled services (一件事): one guide, one form, one set of materials, many departments."""

from django.db import models

from govsvc.catalog.models import ServiceItem
from govsvc.directory.models import Department


class Audience(models.TextChoices):
    PERSON = "person", "个人"
    ENTERPRISE = "enterprise", "企业"


class Bundle(models.Model):
    list_no = models.PositiveSmallIntegerField("清单序号", unique=True)
    name = models.CharField("名称", max_length=128)
    full_name = models.CharField("清单名称", max_length=160)
    batch = models.CharField("批次", max_length=16)
    deployment_level = models.CharField("部署层级", max_length=16)
    deployment_note = models.CharField("部署说明", max_length=255, blank=True)
    audience = models.CharField("服务对象", max_length=16, choices=Audience.choices)
    life_event = models.CharField("生命周期阶段", max_length=64, blank=True)
    themes = models.JSONField("主题", default=list, blank=True)
    aliases = models.JSONField("常用说法", default=list, blank=True)
    seed_items_text = models.TextField("清单所列具体事项")
    declared_item_count = models.PositiveSmallIntegerField("清单事项数")
    promised_days = models.PositiveIntegerField("承诺办结时限(工作日)")
    visits = models.PositiveSmallIntegerField("跑动次数", default=0)
    lead_departments = models.ManyToManyField(
        Department, verbose_name="牵头部门", related_name="led_bundles"
    )
    departments = models.ManyToManyField(
        Department, verbose_name="协同部门", related_name="cooperating_bundles", blank=True
    )
    source_file = models.CharField("数据文件", max_length=128, blank=True)

    class Meta:
        verbose_name = "一件事"
        verbose_name_plural = "一件事"
        ordering = ["list_no"]

    def __str__(self) -> str:
        return f"{self.list_no}. {self.name}"


class BundleItem(models.Model):
    bundle = models.ForeignKey(
        Bundle, verbose_name="一件事", on_delete=models.CASCADE, related_name="bundle_items"
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.PROTECT, related_name="bundle_links"
    )
    order = models.PositiveSmallIntegerField("序号")
    depends_on = models.ManyToManyField(
        "self", verbose_name="前置事项", symmetrical=False, blank=True, related_name="dependents"
    )

    class Meta:
        verbose_name = "一件事子事项"
        verbose_name_plural = "一件事子事项"
        ordering = ["bundle", "order"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="unique_bundle_item"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle.name} / {self.item.name}"
