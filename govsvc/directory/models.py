"""Who serves where: administrative regions, departments, service halls and their windows."""

import re

from django.db import models


class RegionLevel(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区"
    STREET = "street", "街道/乡镇"
    COMMUNITY = "community", "社区/村"


LEVEL_DEPTH = {
    RegionLevel.CITY: 0,
    RegionLevel.DISTRICT: 1,
    RegionLevel.STREET: 2,
    RegionLevel.COMMUNITY: 3,
}


class Region(models.Model):
    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices)
    kind = models.CharField(
        "类别", max_length=16, blank=True, help_text="区、功能区、街道、乡镇、社区、村"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list["Region"]:
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in [*self.ancestors(), self])


class DepartmentLevel(models.TextChoices):
    CENTRAL = "central", "驻汉中央单位"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    DISTRICT = "district", "区级"
    STREET = "street", "街道"


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", "政府部门"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    ENTERPRISE = "enterprise", "公共服务企业"
    COURT = "court", "审判机关"
    OTHER = "other", "其他"


_SPACE = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Department names in source documents carry stray spaces and line breaks."""
    return _SPACE.sub("", name).replace("★", "")


class Department(models.Model):
    code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("全称", max_length=128)
    short_name = models.CharField("简称", max_length=64)
    aliases = models.JSONField("别名", default=list, blank=True)
    level = models.CharField("层级", max_length=16, choices=DepartmentLevel.choices)
    kind = models.CharField(
        "性质", max_length=32, choices=DepartmentKind.choices, default=DepartmentKind.GOVERNMENT
    )
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT)
    ministry_code = models.CharField("主管部门条线代码", max_length=2, blank=True)
    phone = models.CharField("咨询电话", max_length=32, blank=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def all_names(self) -> set[str]:
        return {normalise_name(n) for n in [self.name, self.short_name, *self.aliases] if n}


class ServiceHall(models.Model):
    code = models.CharField("编号", max_length=32, unique=True)
    name = models.CharField("名称", max_length=128)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT)
    address = models.CharField("地址", max_length=255, blank=True)
    hours = models.CharField("办公时间", max_length=255, blank=True)
    phone = models.CharField("电话", max_length=64, blank=True)

    class Meta:
        verbose_name = "政务服务中心"
        verbose_name_plural = "政务服务中心"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class HallWindow(models.Model):
    hall = models.ForeignKey(
        ServiceHall, verbose_name="服务中心", on_delete=models.CASCADE, related_name="windows"
    )
    number = models.CharField("窗口号", max_length=16)
    name = models.CharField("窗口名称", max_length=128)
    kind = models.CharField("类型", max_length=32, blank=True)
    departments = models.ManyToManyField(Department, verbose_name="进驻部门", blank=True)

    class Meta:
        verbose_name = "服务窗口"
        verbose_name_plural = "服务窗口"
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="unique_window_number"),
        ]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number} {self.name}"
