from django.contrib import admin

from govsvc.supervision.models import Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
