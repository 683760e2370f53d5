from django.contrib import admin

from govsvc.directory.models import Department, HallWindow, Region, ServiceHall


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "code", "level", "kind", "region"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["region"]


class WindowInline(admin.TabularInline):
    model = HallWindow
    extra = 0
    filter_horizontal = ["departments"]


@admin.register(ServiceHall)
class ServiceHallAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "address"]
    search_fields = ["name", "address"]
    inlines = [WindowInline]
