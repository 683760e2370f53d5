from django.db.models import Q, QuerySet
from django.http import Http404
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from govsvc.catalog.models import ItemMaterial, ItemVersion, ServiceItem, Status


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = ItemMaterial
        fields = ["name", "required", "form", "source", "copies", "promise_allowed", "may_follow"]


class ItemSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    item_type_name = serializers.CharField(source="get_item_type_display", read_only=True)
    department = serializers.CharField(source="department.short_name", read_only=True)
    department_code = serializers.CharField(source="department.code", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)
    is_base = serializers.BooleanField(read_only=True)

    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "basic_code",
            "implementation_code",
            "is_base",
            "name",
            "item_type",
            "item_type_name",
            "level",
            "department",
            "department_code",
            "region_code",
            "promised_days",
            "statutory_days",
            "online_depth",
            "visits",
            "status",
            "version",
        ]


class ItemDetailSerializer(ItemSerializer):
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = [
            *ItemSerializer.Meta.fields,
            "objects_served",
            "legal_basis",
            "conditions",
            "steps",
            "fee",
            "forms",
            "case_kind",
            "place",
            "hours",
            "phone",
            "result_name",
            "result_type",
            "effective_from",
            "materials",
        ]


class ItemVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ItemVersion
        fields = ["version", "effective_from", "created_at", "created_by", "note", "elements"]


class ItemFilter(filters.FilterSet):
    department = filters.CharFilter(method="filter_department", label="部门代码或名称")
    type = filters.CharFilter(field_name="item_type", label="事项类型代码，如 01")
    level = filters.CharFilter(field_name="level", label="city/district/street/community")
    region = filters.CharFilter(field_name="region__code", label="区划代码")
    base = filters.BooleanFilter(field_name="base", lookup_expr="isnull", label="仅基本目录")

    class Meta:
        model = ServiceItem
        fields = ["department", "type", "level", "region", "base"]

    def filter_department(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(department__code=value) | Q(department__short_name=value) | Q(department__name=value)
        )


class ItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Published service items. Look one up by its basic or implementation code."""

    filterset_class = ItemFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]{12,33}"

    def get_queryset(self) -> QuerySet[ServiceItem]:
        qs = ServiceItem.objects.filter(status=Status.PUBLISHED).select_related(
            "department", "region"
        )
        if self.action == "retrieve":
            qs = qs.prefetch_related("materials")
        return qs.order_by("basic_code", "implementation_code")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ItemDetailSerializer if self.action == "retrieve" else ItemSerializer

    def get_object(self) -> ServiceItem:
        code = self.kwargs["code"]
        qs = self.get_queryset()
        item = (
            qs.filter(implementation_code=code).first()
            if len(code) > 12
            else qs.filter(basic_code=code, base__isnull=True).first()
        )
        if item is None:
            raise Http404("没有这个编码的事项")
        return item
