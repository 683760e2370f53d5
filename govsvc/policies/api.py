"""JSON API under /api/v1/policies/. Views validate, call one service function, answer.

Every refusal has the platform's error shape ``{"error": {"code", "message", "details"}}``;
a rule error's details carry ``line``, ``column`` and ``token``.
"""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from govsvc.policies import profiles, services
from govsvc.policies.models import (
    Audience,
    Match,
    MatchBatch,
    Notification,
    PaymentOrder,
    Policy,
    PolicyStatus,
    PolicyVersion,
)
from govsvc.policies.rules import RuleError, compile_amount, compile_rule, explain
from govsvc.policies.rules.schema import SCHEMAS
from govsvc.policies.tasks import run_batch_task


def problem(code: str, message: str, details: Any = None, http: int = 400) -> Response:
    return Response({"error": {"code": code, "message": message, "details": details}}, status=http)


def rule_problem(exc: RuleError, where: str = "rule") -> Response:
    return problem("rule_invalid", str(exc), {"field": where, **exc.as_dict()})


def invalid(errors: Any) -> Response:
    return problem("invalid", "请求有误，请检查后重试。", errors)


class PolicySerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.short_name", default="", read_only=True)
    audience_name = serializers.CharField(source="get_audience_display", read_only=True)
    mode_name = serializers.CharField(source="get_mode_display", read_only=True)
    rule = serializers.CharField(source="published_version.rule", default="", read_only=True)
    version = serializers.IntegerField(
        source="published_version.number", default=None, read_only=True
    )
    amount = serializers.DecimalField(
        source="published_version.amount",
        max_digits=14,
        decimal_places=2,
        default=None,
        read_only=True,
    )
    amount_formula = serializers.CharField(
        source="published_version.amount_formula", default="", read_only=True
    )

    class Meta:
        model = Policy
        fields = [
            "code", "title", "audience", "audience_name", "mode", "mode_name", "department",
            "legal_source", "domain", "beneficiaries", "summary", "budget", "period_start",
            "period_end", "payment_path", "status", "version", "rule", "amount", "amount_formula",
        ]  # fmt: skip


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "number",
            "rule",
            "amount",
            "amount_formula",
            "status",
            "review_note",
            "created_at",
        ]


class MatchSerializer(serializers.ModelSerializer):
    policy = PolicySerializer(read_only=True)
    status_name = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Match
        fields = ["id", "policy", "explanation", "amount", "status", "status_name", "created_at"]


class BatchSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True)

    class Meta:
        model = MatchBatch
        fields = [
            "id", "audience", "as_of", "status", "progress", "policies_total", "policies_done",
            "profiles", "matches", "error", "created_at", "finished_at",
        ]  # fmt: skip


class OrderSerializer(serializers.ModelSerializer):
    policy = serializers.CharField(source="policy.code", read_only=True)
    beneficiary = serializers.CharField(source="profile.entity_id", read_only=True)

    class Meta:
        model = PaymentOrder
        fields = [
            "id",
            "policy",
            "period",
            "beneficiary",
            "amount",
            "status",
            "review_note",
            "export",
        ]


class CheckInput(serializers.Serializer):
    audience = serializers.ChoiceField(choices=Audience.choices)
    rule = serializers.CharField(max_length=20_000, trim_whitespace=False)
    amount_formula = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ExplainInput(serializers.Serializer):
    policy = serializers.CharField(required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    rule = serializers.CharField(required=False, max_length=20_000)
    values = serializers.DictField()


class VersionInput(serializers.Serializer):
    rule = serializers.CharField(max_length=20_000, trim_whitespace=False)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    amount_formula = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )


class ReviewInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PeriodInput(serializers.Serializer):
    period = serializers.RegexField(r"^\d{4}(-(Q[1-4]|\d{2}))?$", max_length=16)


class BatchInput(serializers.Serializer):
    audience = serializers.ChoiceField(choices=Audience.choices)
    as_of = serializers.DateField(required=False, allow_null=True)


class ImportInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Audience.choices)
    as_of = serializers.DateField(required=False)
    file = serializers.FileField()


def published() -> QuerySet[Policy]:
    return Policy.objects.filter(status=PolicyStatus.PUBLISHED).select_related(
        "department", "published_version"
    )


@extend_schema(
    tags=["policies"],
    responses=PolicySerializer(many=True),
    parameters=[OpenApiParameter("audience", str), OpenApiParameter("domain", str)],
)
@api_view(["GET"])
def policy_list(request: Request) -> Response:
    """Published policies; filter with ?audience=enterprise|resident and ?domain=."""
    policies = published()
    if audience := request.query_params.get("audience"):
        policies = policies.filter(audience=audience)
    if domain := request.query_params.get("domain"):
        policies = policies.filter(domain=domain)
    return Response(PolicySerializer(policies, many=True).data)


@extend_schema(tags=["policies"], responses=PolicySerializer)
@api_view(["GET"])
def policy_detail(request: Request, code: str) -> Response:
    policy = published().filter(code=code).first()
    if policy is None:
        return problem("not_found", f"没有已发布的政策 {code}", http=404)
    return Response(PolicySerializer(policy).data)


@extend_schema(tags=["policies"], responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def field_list(request: Request) -> Response:
    """The fields a rule may name, per audience, with their types and labels."""
    return Response(
        {
            audience: [
                {"name": n, "type": t.value, "label": schema.labels.get(n, n)}
                for n, t in schema.types.items()
            ]
            for audience, schema in SCHEMAS.items()
        }
    )


@extend_schema(tags=["policies"], request=CheckInput, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def check_rule(request: Request) -> Response:
    """Check a rule (and amount formula) without saving it."""
    data = CheckInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    schema = SCHEMAS[data.validated_data["audience"]]
    try:
        rule = compile_rule(data.validated_data["rule"], schema)
    except RuleError as exc:
        return rule_problem(exc)
    formula = data.validated_data.get("amount_formula", "")
    if formula:
        try:
            compile_amount(formula, schema)
        except RuleError as exc:
            return rule_problem(exc, "amount_formula")
    return Response({"ok": True, "fields": list(rule.fields), "normalised": rule.source})


@extend_schema(tags=["policies"], request=ExplainInput, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def explain_values(request: Request) -> Response:
    """Explain a published policy (``policy``) or a draft rule (``audience`` + ``rule``)."""
    data = ExplainInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    values = data.validated_data["values"]
    if code := data.validated_data.get("policy"):
        policy = published().filter(code=code).first()
        if policy is None or policy.published_version is None:
            return problem("not_found", f"没有已发布的政策 {code}", http=404)
        audience, text = policy.audience, policy.published_version.rule
    elif data.validated_data.get("audience") and data.validated_data.get("rule"):
        audience, text = data.validated_data["audience"], data.validated_data["rule"]
    else:
        return invalid({"policy": ["请给出 policy，或同时给出 audience 和 rule"]})
    try:
        rule = compile_rule(text, SCHEMAS[audience])
    except RuleError as exc:
        return rule_problem(exc)
    return Response(explain(rule, values).as_dict())


@extend_schema(tags=["policies"], responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def mine(request: Request) -> Response:
    """Policies matched to the signed-in enterprise or resident, with explanations."""
    matches = Match.objects.filter(profile__user_id=request.user.pk or 0).select_related(
        "policy__department", "policy__published_version"
    )
    notices = Notification.objects.filter(profile__user_id=request.user.pk or 0)[:50]
    return Response(
        {
            "matches": MatchSerializer(matches, many=True).data,
            "notifications": [
                {
                    "title": n.title,
                    "body": n.body,
                    "created_at": n.created_at,
                    "read": bool(n.read_at),
                }
                for n in notices
            ],
        }
    )


@extend_schema(tags=["policies"], request=PeriodInput, responses=OrderSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def confirm_match(request: Request, pk: int) -> Response:
    data = PeriodInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    match = get_object_or_404(Match.objects.select_related("policy", "profile", "version"), pk=pk)
    try:
        order = services.confirm(match, request.user, data.validated_data["period"])
    except services.PolicyActionError as exc:
        return problem("refused", str(exc), http=409)
    return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["policies"], request=VersionInput, responses=VersionSerializer)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def create_version(request: Request, code: str) -> Response:
    policy = get_object_or_404(Policy, code=code)
    data = VersionInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    try:
        version = services.create_version(
            policy,
            rule=data.validated_data["rule"],
            amount=data.validated_data.get("amount"),
            formula=data.validated_data["amount_formula"],
            author=request.user,
        )
    except RuleError as exc:
        return rule_problem(exc)
    return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["policies"],
    request=ReviewInput,
    responses=VersionSerializer,
    # The {action} segment drops out of the generated id, which would then collide with
    # POST {code}/versions/ (create_version).
    operation_id="v1_policies_versions_action_create",
)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def version_action(request: Request, pk: int, action: str) -> Response:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    try:
        if action == "submit":
            version = services.submit_version(version, request.user)
        elif action == "review":
            data = ReviewInput(data=request.data)
            if not data.is_valid():
                return invalid(data.errors)
            version = services.review_version(
                version,
                request.user,
                approve=data.validated_data["approve"],
                note=data.validated_data["note"],
            )
        elif action == "publish":
            services.publish(version.policy, version, request.user)
        else:
            return problem("not_found", f"未知操作 {action}", http=404)
    except services.PolicyActionError as exc:
        return problem("refused", str(exc), http=409)
    version.refresh_from_db()
    return Response(VersionSerializer(version).data)


@extend_schema(tags=["policies"], responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsAdminUser])
def simulation(request: Request, pk: int) -> Response:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    try:
        result = services.simulate(version)
    except RuleError as exc:
        return rule_problem(exc)
    return Response(
        {
            "qualified": result.qualified,
            "profiles": result.profiles,
            "total_payout": _money(result.total_payout),
            "budget": _money(result.budget),
            "over_budget": result.over_budget,
            "unknown_amounts": result.unknown_amounts,
            "groups": [{**g, "payout": _money(g["payout"])} for g in result.groups],
        }
    )


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


@extend_schema(tags=["policies"], request=BatchInput, responses=BatchSerializer)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def start_batch(request: Request) -> Response:
    data = BatchInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    batch = services.start_batch(
        data.validated_data["audience"], request.user, data.validated_data.get("as_of")
    )
    run_batch_task.delay(batch.pk)  # in the request unless a Celery broker is configured
    batch.refresh_from_db()
    return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["policies"], responses=BatchSerializer)
@api_view(["GET"])
@permission_classes([IsAdminUser])
def batch_detail(request: Request, pk: int) -> Response:
    return Response(BatchSerializer(get_object_or_404(MatchBatch, pk=pk)).data)


@extend_schema(tags=["policies"], request=None, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def push_batch(request: Request, pk: int) -> Response:
    return Response({"pushed": services.push(get_object_or_404(MatchBatch, pk=pk))})


@extend_schema(tags=["policies"], request=PeriodInput, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def create_orders(request: Request, code: str) -> Response:
    policy = get_object_or_404(Policy, code=code)
    data = PeriodInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    try:
        created = services.create_payment_orders(
            policy, data.validated_data["period"], request.user
        )
    except services.PolicyActionError as exc:
        return problem("refused", str(exc), http=409)
    return Response({"created": created})


@extend_schema(
    tags=["policies"],
    responses=OrderSerializer(many=True),
    parameters=[OpenApiParameter("status", str)],
)
@api_view(["GET"])
@permission_classes([IsAdminUser])
def order_list(request: Request) -> Response:
    orders = PaymentOrder.objects.select_related("policy", "profile")
    if state := request.query_params.get("status"):
        orders = orders.filter(status=state)
    return Response(OrderSerializer(orders[:500], many=True).data)


@extend_schema(tags=["policies"], request=ReviewInput, responses=OrderSerializer)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def review_order(request: Request, pk: int) -> Response:
    data = ReviewInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    order = get_object_or_404(PaymentOrder, pk=pk)
    try:
        order = services.review_payment(
            order,
            request.user,
            approve=data.validated_data["approve"],
            note=data.validated_data["note"],
        )
    except services.PolicyActionError as exc:
        return problem("refused", str(exc), http=409)
    return Response(OrderSerializer(order).data)


@extend_schema(tags=["policies"], request=None, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def hand_over(request: Request) -> Response:
    export = services.hand_over(request.user)
    if export is None:
        return Response({"key": None, "orders": 0})
    return Response({"key": export.key, "orders": export.orders, "total": _money(export.total)})


@extend_schema(tags=["policies"], request=ImportInput, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@permission_classes([IsAdminUser])
@parser_classes([MultiPartParser, JSONParser])
def import_file(request: Request) -> Response:
    data = ImportInput(data=request.data)
    if not data.is_valid():
        return invalid(data.errors)
    upload = data.validated_data["file"]
    try:
        record = profiles.import_profiles(
            upload.name,
            upload,
            kind=data.validated_data["kind"],
            as_of=data.validated_data.get("as_of") or date.today(),
            actor=request.user,
        )
    except profiles.ImportFileError as exc:
        return problem("file_invalid", str(exc))
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        return problem("file_invalid", f"文件无法读取：{exc}")
    return Response(
        {"rows_total": record.rows_total, "rows_ok": record.rows_ok, "errors": record.errors},
        status=status.HTTP_201_CREATED,
    )
