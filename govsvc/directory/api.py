from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from govsvc.directory.models import Department, Region


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "kind", "parent_code"]


class RegionFilter(filters.FilterSet):
    parent = filters.CharFilter(field_name="parent__code", label="上级区划代码")

    class Meta:
        model = Region
        fields = ["level", "parent"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Administrative regions at four levels (市/区/街道/社区)."""

    queryset = Region.objects.select_related("parent").order_by("code")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"


class DepartmentSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Department
        fields = ["code", "name", "short_name", "aliases", "level", "kind", "region_code", "phone"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments with their unified social credit codes."""

    queryset = Department.objects.select_related("region").order_by("level", "code")
    serializer_class = DepartmentSerializer
    filterset_fields = ["level", "kind"]
    lookup_field = "code"
