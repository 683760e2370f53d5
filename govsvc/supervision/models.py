"""Approval-supervision linkage scenarios (审管联动) of the city plan."""

from django.db import models


class Scenario(models.Model):
    number = models.PositiveSmallIntegerField("序号", unique=True)
    name = models.CharField("场景名称", max_length=128)
    pilot_districts = models.JSONField("试点区", default=list)
    guiding_departments = models.JSONField("市级指导部门", default=list)
    rows = models.JSONField("审批与监管事项", default=list)

    class Meta:
        verbose_name = "审管联动场景"
        verbose_name_plural = "审管联动场景"
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"
