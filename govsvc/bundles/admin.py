from django.contrib import admin

from govsvc.bundles.models import Bundle, BundleItem


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    extra = 0
    autocomplete_fields = ["item"]
    fields = ["order", "item"]


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ["list_no", "name", "batch", "deployment_level", "audience", "promised_days"]
    list_filter = ["batch", "deployment_level", "audience"]
    search_fields = ["name", "aliases"]
    filter_horizontal = ["lead_departments", "departments"]
    inlines = [BundleItemInline]
