from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from govsvc.bundles.models import Bundle, BundleItem
from govsvc.bundles.savings import compute_savings, merged_materials


class BundleItemSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="item.basic_code")
    name = serializers.CharField(source="item.name")
    department = serializers.CharField(source="item.department.short_name")
    promised_days = serializers.IntegerField(source="item.promised_days")
    depends_on = serializers.SerializerMethodField()

    class Meta:
        model = BundleItem
        fields = ["order", "code", "name", "department", "promised_days", "depends_on"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_depends_on(self, link: BundleItem) -> list[str]:
        return [d.item.basic_code for d in link.depends_on.all()]


def _department_names(departments: Any) -> list[str]:
    return [d.short_name for d in departments.all()]


class BundleSerializer(serializers.ModelSerializer):
    lead_departments = serializers.SerializerMethodField()
    departments = serializers.SerializerMethodField()
    items = BundleItemSerializer(source="bundle_items", many=True, read_only=True)

    class Meta:
        model = Bundle
        fields = [
            "list_no",
            "name",
            "full_name",
            "batch",
            "deployment_level",
            "audience",
            "life_event",
            "themes",
            "promised_days",
            "lead_departments",
            "departments",
            "items",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_lead_departments(self, bundle: Bundle) -> list[str]:
        return _department_names(bundle.lead_departments)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_departments(self, bundle: Bundle) -> list[str]:
        return _department_names(bundle.departments)


class SavingSerializer(serializers.Serializer):
    separate = serializers.IntegerField()
    bundled = serializers.IntegerField()
    saved = serializers.IntegerField()
    percent = serializers.IntegerField()


class SavingsSerializer(serializers.Serializer):
    steps = SavingSerializer()
    materials = SavingSerializer()
    days = SavingSerializer()
    visits = SavingSerializer()
    critical_path_days = serializers.IntegerField()


class MergedMaterialSerializer(serializers.Serializer):
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    source = serializers.CharField()  # type: ignore[assignment]
    asked = serializers.BooleanField()
    produced_by = serializers.CharField(allow_null=True)
    in_bundle_form = serializers.BooleanField()
    items = serializers.ListField(child=serializers.CharField())


class BundleDetailSerializer(BundleSerializer):
    savings = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()

    class Meta(BundleSerializer.Meta):
        fields = [
            *BundleSerializer.Meta.fields,
            "deployment_note",
            "seed_items_text",
            "declared_item_count",
            "visits",
            "aliases",
            "materials",
            "savings",
        ]

    @extend_schema_field(SavingsSerializer)
    def get_savings(self, bundle: Bundle) -> dict[str, Any]:
        return SavingsSerializer(compute_savings(bundle)).data

    @extend_schema_field(MergedMaterialSerializer(many=True))
    def get_materials(self, bundle: Bundle) -> list[dict[str, Any]]:
        return MergedMaterialSerializer(merged_materials(bundle), many=True).data  # type: ignore[return-value]


class BundleViewSet(viewsets.ReadOnlyModelViewSet):
    """The key bundled services (一件事), by their list number in the city plan."""

    lookup_field = "list_no"
    filterset_fields = ["audience", "batch", "deployment_level"]
    pagination_class = None

    def get_queryset(self) -> QuerySet[Bundle]:
        return Bundle.objects.prefetch_related(
            "lead_departments",
            "departments",
            "bundle_items__item__department",
            "bundle_items__depends_on__item",
        ).order_by("list_no")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return BundleDetailSerializer if self.action == "retrieve" else BundleSerializer
