from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from govsvc.search.engine import search

HitSerializer = inline_serializer(
    "SearchHit",
    {
        "kind": serializers.ChoiceField(choices=["bundle", "item"]),
        "name": serializers.CharField(),
        "score": serializers.FloatField(),
        "list_no": serializers.IntegerField(required=False, help_text="bundle results"),
        "code": serializers.CharField(required=False, help_text="item results"),
        "bundles": serializers.ListField(child=serializers.IntegerField(), required=False),
    },
)


class SearchView(APIView):
    """Ranked bundles and items for a query in the resident's own words."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", str, required=True, description="查询词，如「孩子刚出生要办什么」"
            ),
            OpenApiParameter("kind", str, enum=["bundle", "item"], required=False),
            OpenApiParameter("limit", int, required=False, description="1-50, default 10"),
        ],
        responses=inline_serializer(
            "SearchResults", {"query": serializers.CharField(), "results": HitSerializer}
        ),
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            raise ValidationError({"q": "请输入要查询的内容"})
        kind = request.query_params.get("kind") or None
        if kind not in (None, "bundle", "item"):
            raise ValidationError({"kind": "kind 只能是 bundle 或 item"})
        try:
            limit = min(max(int(request.query_params.get("limit", 10)), 1), 50)
        except ValueError as exc:
            raise ValidationError({"limit": "limit 应为 1-50 的整数"}) from exc
        return Response({"query": query, "results": search(query, limit=limit, kind=kind)})
