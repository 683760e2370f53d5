"""REST API under /api/v1/evaluations/: acts, ratings, SMS, rectifications, desk, statistics,
and the provincial pull interface. Views validate, call one domain function, answer."""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from govsvc.catalog.models import ServiceItem
from govsvc.core.masking import mask_name, mask_phone
from govsvc.core.phones import PhoneSerializerField
from govsvc.directory.models import Department, HallWindow
from govsvc.evaluations import desk, levels, rectifications, services, stats
from govsvc.evaluations.machine import TransitionError, role_of
from govsvc.evaluations.models import (
    ActKind,
    AppealGround,
    Channel,
    DeskOutcome,
    DeskRequest,
    Indicator,
    Level,
    Rating,
    Rectification,
    ServiceAct,
)

STATUS_FOR = {"forbidden": 403, "invalid": 400, "duplicate": 409}


class Refused(APIException):
    status_code: int = status.HTTP_409_CONFLICT
    default_code = "invalid_transition"
    default_detail = "操作不被允许。"


def refuse(exc: TransitionError) -> NoReturn:
    error = Refused(detail=exc.message)
    error.status_code = STATUS_FOR.get(exc.code, status.HTTP_409_CONFLICT)
    error.default_code = exc.code
    raise error from exc


class IsStaff(permissions.BasePermission):
    """Staff members, and service accounts (superusers) such as the SMS gateway."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user.is_authenticated
            and (user.is_superuser or getattr(user, "staff_profile", None) is not None)
        )


# --- serializers ----------------------------------------------------------------------


class ActSerializer(serializers.ModelSerializer):
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    department_name = serializers.CharField(source="department.short_name", read_only=True)
    item_code = serializers.SerializerMethodField()
    rated = serializers.SerializerMethodField()

    class Meta:
        model = ServiceAct
        fields = [
            "id",
            "kind",
            "kind_name",
            "reference",
            "item",
            "item_code",
            "department",
            "department_name",
            "window",
            "staff",
            "person_name_masked",
            "phone_masked",
            "occurred_at",
            "rated",
        ]

    def get_item_code(self, act: ServiceAct) -> str:
        return act.item.code if act.item else ""

    def get_rated(self, act: ServiceAct) -> bool:
        return act.ratings.exists()


class ActCreatedSerializer(ActSerializer):
    """Only the system that records the act learns its token, to send the rating link."""

    rate_url = serializers.SerializerMethodField(help_text="评价链接（可放入短信或二维码）")

    class Meta(ActSerializer.Meta):
        fields = [*ActSerializer.Meta.fields, "token", "rate_url"]

    def get_rate_url(self, act: ServiceAct) -> str:
        return reverse("evaluations:rate", args=[act.token])


class ActInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActKind.choices)
    reference = serializers.CharField(max_length=64)
    department = serializers.IntegerField()
    item = serializers.IntegerField(required=False, allow_null=True)
    window = serializers.IntegerField(required=False, allow_null=True)
    staff = serializers.IntegerField(required=False, allow_null=True)
    person = serializers.IntegerField(required=False, allow_null=True)
    person_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    phone = PhoneSerializerField(required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False)


class FollowUpOutSerializer(serializers.Serializer):
    text = serializers.CharField()
    channel = serializers.CharField()
    created_at = serializers.DateTimeField()


class RatingSerializer(serializers.ModelSerializer):
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    reference = serializers.CharField(source="act.reference", read_only=True)
    act_kind = serializers.CharField(source="act.kind", read_only=True)
    department = serializers.IntegerField(source="act.department_id", read_only=True)
    follow_up = FollowUpOutSerializer(read_only=True, allow_null=True)
    rectification = serializers.IntegerField(
        source="rectification.pk", read_only=True, default=None
    )

    class Meta:
        model = Rating
        fields = [
            "id",
            "reference",
            "act_kind",
            "department",
            "level",
            "level_name",
            "indicators",
            "text",
            "channel",
            "anonymous",
            "status",
            "created_at",
            "updated_at",
            "follow_up",
            "rectification",
        ]


class RatingInSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="评价链接令牌（办事行为的 token）")
    level = serializers.ChoiceField(choices=Level.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Indicator.choices), required=False
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=500)
    anonymous = serializers.BooleanField(required=False, default=False)


class FollowUpInSerializer(serializers.Serializer):
    token = serializers.CharField()
    text = serializers.CharField(max_length=500)
    channel = serializers.ChoiceField(choices=Channel.choices)


class SmsInSerializer(serializers.Serializer):
    sender = serializers.CharField(max_length=20, help_text="发送号码")
    text = serializers.CharField(max_length=500, allow_blank=True)


class SmsOutSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["rated", "unparsed", "no_act", "duplicate"])
    reply = serializers.CharField(help_text="回复给办事人的短信内容")
    rating = serializers.IntegerField(allow_null=True)


class RectificationSerializer(serializers.ModelSerializer):
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    reference = serializers.CharField(source="rating.act.reference", read_only=True)
    level = serializers.CharField(source="rating.level", read_only=True)
    text = serializers.CharField(source="rating.text", read_only=True)
    named = serializers.BooleanField(source="rating.is_named", read_only=True)
    phone_masked = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = [
            "id",
            "rating",
            "reference",
            "level",
            "text",
            "named",
            "phone_masked",
            "department",
            "status",
            "status_name",
            "opened_on",
            "verify_due",
            "rectify_due",
            "finding",
            "verified_at",
            "measures",
            "rectified_at",
            "callback_note",
            "callback_level",
            "called_back_at",
            "appeal_ground",
            "appeal_reason",
            "review_note",
            "escalation_stage",
            "escalated_to",
            "escalated_at",
            "closed_at",
        ]

    def get_phone_masked(self, rect: Rectification) -> str:
        return "" if rect.rating.anonymous else rect.rating.act.phone_masked


class RectificationActionSerializer(serializers.Serializer):
    finding = serializers.CharField(required=False, allow_blank=True)
    measures = serializers.CharField(required=False, allow_blank=True)
    ground = serializers.ChoiceField(choices=AppealGround.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)


class DeskSerializer(serializers.ModelSerializer):
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = DeskRequest
        fields = [
            "id",
            "number",
            "title",
            "description",
            "contact_name",
            "contact_phone",
            "failed_department",
            "item",
            "reference",
            "status",
            "status_name",
            "coordinator",
            "departments",
            "opened_on",
            "due",
            "outcome",
            "result",
            "escalated_at",
            "closed_at",
        ]

    def get_contact_name(self, req: DeskRequest) -> str:
        return mask_name(req.contact_name)

    def get_contact_phone(self, req: DeskRequest) -> str:
        return mask_phone(req.contact_phone)


class DeskInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    contact_name = serializers.CharField(max_length=64)
    contact_phone = serializers.CharField(max_length=20)
    failed_department = serializers.IntegerField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=64)


class DeskActionSerializer(serializers.Serializer):
    coordinator = serializers.IntegerField(required=False)
    departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    outcome = serializers.ChoiceField(choices=DeskOutcome.choices, required=False)
    result = serializers.CharField(required=False, allow_blank=True)


class ProvincialRatingSerializer(serializers.ModelSerializer):
    """The provincial 好差评 record. ``level`` here is the provincial number."""

    item_code = serializers.SerializerMethodField(help_text="事项实施编码（无则基本编码）")
    case_number = serializers.CharField(source="act.reference")
    act_kind = serializers.CharField(source="act.kind")
    department_code = serializers.CharField(source="act.department.code")
    level = serializers.SerializerMethodField(help_text="1=非常不满意 … 5=非常满意")
    follow_up = serializers.CharField(source="follow_up.text", default="")
    valid = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = [
            "id",
            "item_code",
            "case_number",
            "act_kind",
            "department_code",
            "channel",
            "level",
            "indicators",
            "text",
            "anonymous",
            "follow_up",
            "valid",
            "created_at",
            "updated_at",
        ]

    def get_item_code(self, rating: Rating) -> str:
        item = rating.act.item
        return item.code if item else ""

    def get_level(self, rating: Rating) -> int:
        return levels.PROVINCIAL[Level(rating.level)]

    def get_valid(self, rating: Rating) -> bool:
        return rating.status == "valid"


# --- acts and ratings -----------------------------------------------------------------


class ActViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ActSerializer
    permission_classes = [IsStaff]
    queryset = ServiceAct.objects.select_related("item", "department")
    filterset_fields = ["kind", "reference", "department"]

    @extend_schema(request=ActInSerializer, responses={201: ActCreatedSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(ActInSerializer, request)
        act = services.record_act(
            kind=data["kind"],
            reference=data["reference"],
            department=get_object_or_404(Department, pk=data["department"]),
            item=_optional(ServiceItem, data.get("item")),
            window=_optional(HallWindow, data.get("window")),
            staff=_optional_user(data.get("staff")),
            person=_optional_user(data.get("person")),
            person_name=data.get("person_name", ""),
            phone=data.get("phone", ""),
            occurred_at=data.get("occurred_at"),
        )
        return Response(ActCreatedSerializer(act).data, status=status.HTTP_201_CREATED)


class RatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RatingSerializer
    queryset = Rating.objects.select_related("act", "follow_up", "rectification")
    filterset_fields = {
        "level": ["exact"],
        "channel": ["exact"],
        "status": ["exact"],
        "act__department": ["exact"],
        "act__reference": ["exact"],
    }

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "follow_up"):
            return [permissions.AllowAny()]
        return [IsStaff()]

    @extend_schema(request=RatingInSerializer, responses={201: RatingSerializer})
    def create(self, request: Request) -> Response:
        """Rate an act once. The act's token (from the SMS link or window pad) proves it."""
        data = _valid(RatingInSerializer, request)
        act = get_object_or_404(ServiceAct, token=data["token"])
        staff = request.user if role_of(request.user) else None
        try:
            rating = services.rate(
                act,
                level=data["level"],
                channel=data["channel"],
                indicators=data.get("indicators", []),
                text=data.get("text", ""),
                anonymous=data["anonymous"],
                rater=None if staff else request.user,
                entered_by=staff,
            )
        except TransitionError as exc:
            refuse(exc)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpInSerializer, responses={201: RatingSerializer})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request: Request, pk: str) -> Response:
        data = _valid(FollowUpInSerializer, request)
        rating = get_object_or_404(Rating, pk=pk, act__token=data["token"])
        try:
            services.follow_up(
                rating, text=data["text"], channel=data["channel"], rater=request.user
            )
        except TransitionError as exc:
            refuse(exc)
        rating.refresh_from_db()
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class SmsInboundView(APIView):
    """The SMS gateway posts each reply here (as a service account)."""

    permission_classes = [IsStaff]

    @extend_schema(request=SmsInSerializer, responses=SmsOutSerializer)
    def post(self, request: Request) -> Response:
        data = _valid(SmsInSerializer, request)
        try:
            result = services.receive_sms(data["sender"], data["text"])
        except TransitionError as exc:
            refuse(exc)
        body = {
            "outcome": result.outcome,
            "reply": result.reply,
            "rating": result.rating.pk if result.rating else None,
        }
        return Response(body)


# --- rectifications and desk ----------------------------------------------------------


class RectificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RectificationSerializer
    permission_classes = [IsStaff]
    filterset_fields = ["status", "department", "escalation_stage"]

    def get_queryset(self) -> QuerySet[Rectification]:
        return rectifications.visible_to(self.request.user)

    @extend_schema(
        request=RectificationActionSerializer,
        responses=RectificationSerializer,
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(rectifications.CALLS))
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def perform_action(self, request: Request, pk: str, name: str) -> Response:
        """Take one action: verify, fix_now, appeal, uphold_appeal, reject_appeal, rectify,
        callback, close, escalate."""
        rect = self.get_object()
        call = rectifications.CALLS.get(name)
        if call is None:
            raise ValidationError({"name": f"未知的操作：{name}"})
        data = _valid(RectificationActionSerializer, request)
        try:
            rect = call(rect, request.user, data)
        except TransitionError as exc:
            refuse(exc)
        return Response(RectificationSerializer(rect).data)


class DeskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DeskSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[DeskRequest]:
        return desk.visible_requests(self.request.user).prefetch_related("departments")

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [permissions.AllowAny()]
        return [IsStaff()]

    @extend_schema(request=DeskInSerializer, responses={201: DeskSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(DeskInSerializer, request)
        try:
            req = desk.open_request(
                title=data["title"],
                description=data["description"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                person=request.user,
                failed_department=_optional(Department, data.get("failed_department")),
                reference=data.get("reference", ""),
            )
        except TransitionError as exc:
            refuse(exc)
        return Response(DeskSerializer(req).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DeskActionSerializer,
        responses=DeskSerializer,
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(desk.CALLS))],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def perform_action(self, request: Request, pk: str, name: str) -> Response:
        """Take one action: assign, involve, close, escalate."""
        req = self.get_object()
        call = desk.CALLS.get(name)
        if call is None:
            raise ValidationError({"name": f"未知的操作：{name}"})
        data = _valid(DeskActionSerializer, request)
        try:
            req = call(req, request.user, data)
        except TransitionError as exc:
            refuse(exc)
        return Response(DeskSerializer(req).data)


# --- statistics and the provincial pull -----------------------------------------------


class StatsView(APIView):
    """Published figures: satisfaction by dimension and the on-time rectification rate."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=list(stats.DIMENSIONS), default="department"),
            OpenApiParameter("period", str, description="2026、2026-Q4、2026-11，空为全部"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        by = request.query_params.get("by", "department")
        try:
            period = stats.parse_period(request.query_params.get("period", ""))
            rows = stats.satisfaction(by, period)
        except ValueError as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        return Response(
            {
                "period": period.label,
                "by": by,
                "overall": stats.overall(period).as_dict(),
                "rectification": stats.rectification_summary(period).as_dict(),
                "rows": [row.as_dict() for row in rows],
            }
        )


class ProvincialRatingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Ratings for the provincial evaluation system to pull, oldest change first.

    Pull with ``updated_since`` set to the last ``updated_at`` seen; page with limit/offset.
    """

    serializer_class = ProvincialRatingSerializer
    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="ISO 8601，含时区")
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Rating]:
        ratings = Rating.objects.select_related(
            "act__item", "act__department", "follow_up"
        ).order_by("updated_at", "id")
        since = self.request.query_params.get("updated_since")
        if since:
            moment = parse_datetime(since.replace(" ", "+"))
            if moment is None:
                raise ValidationError({"updated_since": "时间格式应为 ISO 8601"})
            ratings = ratings.filter(updated_at__gt=moment)
        return ratings


# --- helpers --------------------------------------------------------------------------


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _optional(model: Any, pk: int | None) -> Any:
    return get_object_or_404(model, pk=pk) if pk else None


def _optional_user(pk: int | None) -> Any:
    return _optional(get_user_model(), pk)
