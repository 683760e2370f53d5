from django.contrib import admin

from govsvc.policies.models import (
    FinanceExport,
    Match,
    MatchBatch,
    PaymentOrder,
    Policy,
    PolicyVersion,
    Profile,
    ProfileImport,
)

VERSION_FIELDS = ("number", "rule", "amount", "amount_formula", "status", "reviewer", "review_note")


class VersionInline(admin.TabularInline):
    model = PolicyVersion
    extra = 0
    # Versions change only through the review workflow (pages and API), never here.
    fields = VERSION_FIELDS
    readonly_fields = VERSION_FIELDS
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "audience", "mode", "department", "status", "budget"]
    list_filter = ["audience", "mode", "status", "domain"]
    search_fields = ["code", "title", "beneficiaries"]
    readonly_fields = ["status", "published_version"]
    inlines = [VersionInline]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["entity_id", "name", "kind", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["entity_id", "name"]
    raw_id_fields = ["user"]


@admin.register(ProfileImport)
class ProfileImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "as_of", "rows_total", "rows_ok", "created_at"]
    readonly_fields = [f.name for f in ProfileImport._meta.fields]


@admin.register(MatchBatch)
class MatchBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "audience", "status", "policies_done", "policies_total", "matches"]
    readonly_fields = [f.name for f in MatchBatch._meta.fields]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["policy", "profile", "amount", "status", "created_at"]
    list_filter = ["status", "policy"]
    raw_id_fields = ["profile", "batch"]
    readonly_fields = ["policy", "version", "profile", "batch", "explanation", "amount"]


@admin.register(PaymentOrder)
class PaymentOrderAdmin(admin.ModelAdmin):
    list_display = ["policy", "period", "profile", "amount", "status", "export"]
    list_filter = ["status", "policy", "period"]
    readonly_fields = [f.name for f in PaymentOrder._meta.fields]


@admin.register(FinanceExport)
class FinanceExportAdmin(admin.ModelAdmin):
    list_display = ["key", "orders", "total", "created_at"]
    readonly_fields = [f.name for f in FinanceExport._meta.fields]
