"""Staff roles: which department a staff member works for and what they may do."""

from django.conf import settings
from django.db import models

from govsvc.directory.models import Department


class StaffRole(models.TextChoices):
    CATALOG_OFFICER = "catalog_officer", "事项管理员"
    REVIEWER = "reviewer", "事项审核员"
    WINDOW_CLERK = "window_clerk", "窗口受理人员"
    DEPARTMENT_OFFICER = "department_officer", "部门经办人员"
    SUPERVISOR = "supervisor", "督办人员"
    HOTLINE_AGENT = "hotline_agent", "12345话务员"


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    department = models.ForeignKey(
        Department, verbose_name="所属部门", null=True, blank=True, on_delete=models.PROTECT
    )
    role = models.CharField("角色", max_length=32, choices=StaffRole.choices)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
