"""Read-only admin: ratings and rectifications change only through their services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from govsvc.evaluations.models import DeskRequest, FollowUp, Rating, Rectification, ServiceAct


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceAct)
class ServiceActAdmin(ReadOnly):
    list_display = ["reference", "kind", "department", "occurred_at"]
    list_filter = ["kind"]
    search_fields = ["reference"]
    exclude = ["phone_digest", "token"]


@admin.register(Rating)
class RatingAdmin(ReadOnly):
    list_display = ["act", "level", "channel", "anonymous", "status", "created_at"]
    list_filter = ["level", "channel", "status"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnly):
    list_display = ["rating", "channel", "created_at"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["pk", "department", "status", "verify_due", "rectify_due", "escalation_stage"]
    list_filter = ["status", "escalation_stage"]


@admin.register(DeskRequest)
class DeskRequestAdmin(ReadOnly):
    list_display = ["number", "title", "status", "due"]
    list_filter = ["status"]
    exclude = ["contact_phone"]
