"""Back office for the catalog, with department-scoped editing and reviewer publishing."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from govsvc.catalog.models import ItemMaterial, ItemVersion, ServiceItem, Status
from govsvc.catalog.services import PublishRefused, item_elements, publish_item, save_item

PUBLISH_PERMISSION = "catalog.publish_serviceitem"


def staff_department(request: HttpRequest) -> Any:
    profile = getattr(request.user, "staff_profile", None)
    return profile.department if profile else None


def is_reviewer(request: HttpRequest) -> bool:
    return request.user.is_superuser or request.user.has_perm(PUBLISH_PERMISSION)


class MaterialInline(admin.TabularInline):
    model = ItemMaterial
    extra = 0


class VersionInline(admin.TabularInline):
    model = ItemVersion
    extra = 0
    fields = ["version", "effective_from", "created_at", "created_by", "note"]
    readonly_fields = ["version", "effective_from", "created_at", "created_by", "note"]
    can_delete = False
    ordering = ["-version"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "item_type", "level", "department", "status", "version"]
    list_filter = ["status", "item_type", "level", "department"]
    search_fields = ["name", "basic_code", "implementation_code"]
    readonly_fields = ["status", "version", "effective_from", "updated_at"]
    autocomplete_fields = ["base"]
    list_select_related = ["department"]
    inlines = [MaterialInline, VersionInline]
    actions = ["submit_for_review", "publish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceItem]:
        qs = super().get_queryset(request)
        if is_reviewer(request):
            return qs
        return qs.filter(department=staff_department(request))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or is_reviewer(request) or obj.department == staff_department(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department" and not is_reviewer(request):
            from govsvc.directory.models import Department

            own = staff_department(request)
            kwargs["queryset"] = (
                Department.objects.filter(pk=own.pk) if own else Department.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ServiceItem, form: Any, change: bool) -> None:
        # A change by a department officer goes back to review before residents see it.
        if change and obj.status == Status.PUBLISHED and not is_reviewer(request):
            obj.status = Status.REVIEW
        obj.save()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        item = form.instance
        latest = item.versions.order_by("-version").first()
        if latest is None or latest.elements != item_elements(item):
            save_item(item, list(item.materials.values()), actor=request.user, note="后台修改")

    @admin.action(description="提交审核")
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        count = queryset.filter(status=Status.DRAFT).update(status=Status.REVIEW)
        self.message_user(request, f"已提交审核 {count} 个事项")

    @admin.action(description="审核通过并发布", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        done = 0
        for item in queryset.select_related("base"):
            try:
                publish_item(item, actor=request.user)
                done += 1
            except PublishRefused as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
        if done:
            self.message_user(request, f"已发布 {done} 个事项")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return is_reviewer(request)
