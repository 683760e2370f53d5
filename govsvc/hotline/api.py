"""REST API of the hotline under /api/v1/hotline/.

Views validate with a serializer, call one function of ``services`` and answer. Caller
details are shown in full only to the center's agents and supervisors, and to the
handling department's officers when the ticket is not confidential; everyone else sees
them masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from govsvc.core.phones import PhoneSerializerField
from govsvc.directory.models import Department, Region
from govsvc.hotline import analysis, classifier, routing, services, tracking
from govsvc.hotline import attachments as attachment_rules
from govsvc.hotline.models import (
    Alert,
    Category,
    Channel,
    EmergencyLine,
    Kind,
    Satisfaction,
    Seat,
    Status,
    Ticket,
    Urgency,
)
from govsvc.hotline.services import AGENT, OFFICER, SUPERVISOR, TransitionError


def error(code: str, message: str, http_status: int, details: Any = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return Response(body, status=http_status)


_STATUS_OF_CODE = {
    "forbidden": status.HTTP_403_FORBIDDEN,
    "missing_field": status.HTTP_400_BAD_REQUEST,
    "invalid_field": status.HTTP_400_BAD_REQUEST,
    "conflict": status.HTTP_409_CONFLICT,
    "invalid_transition": status.HTTP_409_CONFLICT,
}


def transition_error(exc: TransitionError) -> Response:
    return error(exc.code, exc.message, _STATUS_OF_CODE.get(exc.code, 409))


def can_see_caller(user: Any, ticket: Ticket) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    role = services.role_of(user)
    if role in (AGENT, SUPERVISOR):
        return True
    profile = getattr(user, "staff_profile", None)
    return (
        role == OFFICER
        and not ticket.confidential
        and profile is not None
        and profile.department_id == ticket.department_id
    )


def require_staff(request: Request) -> None:
    user = request.user
    if not user.is_authenticated:
        raise NotAuthenticated("请先登录或提供访问令牌。")
    if not services.is_hotline_staff(user):
        raise PermissionDenied("仅 12345 热线工作人员和承办部门可以查看工单。")


# --- serializers ---------------------------------------------------------------------------


class TicketEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    to_status_label = serializers.SerializerMethodField()
    note = serializers.CharField()
    at = serializers.DateTimeField()

    def get_action_label(self, event: Any) -> str:
        return services.event_label(event.action)

    def get_to_status_label(self, event: Any) -> str:
        return services.status_label(event.to_status)


class TicketSerializer(serializers.ModelSerializer):
    caller_name = serializers.SerializerMethodField()
    caller_phone = serializers.SerializerMethodField()
    caller_id_number = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display")
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    proposed_category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    proposed_department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    parent_number = serializers.CharField(source="parent.number", default=None, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "number", "status", "status_display", "channel", "kind", "urgency",
            "confidential", "emergency_line", "title", "content", "caller_name",
            "caller_phone", "caller_id_number", "address", "latitude", "longitude",
            "region", "category", "proposed_category", "proposal_confidence",
            "department", "proposed_department", "seat", "parent_number", "received_at",
            "dispatched_at", "deadline", "supervision_count", "extension_pending",
            "answer", "answered_at", "resolved", "closed_at", "on_time", "satisfaction",
        ]  # fmt: skip

    def _full(self, ticket: Ticket) -> bool:
        request = self.context.get("request")
        return can_see_caller(getattr(request, "user", None), ticket)

    def get_caller_name(self, ticket: Ticket) -> str:
        return ticket.caller_name if self._full(ticket) else ticket.masked_caller_name

    def get_caller_phone(self, ticket: Ticket) -> str:
        return ticket.caller_phone if self._full(ticket) else ticket.masked_caller_phone

    def get_caller_id_number(self, ticket: Ticket) -> str:
        if self._full(ticket) or not ticket.caller_id_number:
            return ticket.caller_id_number
        return ticket.caller_id_number[:6] + "********" + ticket.caller_id_number[-4:]

    def get_address(self, ticket: Ticket) -> str:
        return ticket.address if self._full(ticket) else ticket.masked_address

    def to_representation(self, ticket: Ticket) -> dict[str, Any]:
        data = super().to_representation(ticket)
        if ticket.confidential and not self._full(ticket):
            data["content"] = "（保密工单，内容不公开）"
            data["title"] = ""
        return data


def _absolute(context: dict[str, Any], path: str) -> str:
    """`path` as a full address when the serializer was given the request."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField()

    def get_url(self, attachment: Any) -> str:
        # Through the checked download below, never the storage's own address.
        path = reverse("hotline-api-attachment", args=[attachment.ticket.number, attachment.pk])
        return _absolute(self.context, path)


class TicketDetailSerializer(TicketSerializer):
    events = TicketEventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "attachments", "events", "allowed_actions"]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, ticket: Ticket) -> list[dict[str, Any]]:
        # A confidential ticket's files are as private as its content.
        if ticket.confidential and not self._full(ticket):
            return []
        files = ticket.attachments.select_related("ticket").order_by("id")
        return list(AttachmentSerializer(files, many=True, context=self.context).data)

    def get_allowed_actions(self, ticket: Ticket) -> list[str]:
        request = self.context.get("request")
        return services.allowed_actions(ticket, getattr(request, "user", None))


class TicketCreateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=5000)
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.CONSULT)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    channel = serializers.ChoiceField(
        choices=[Channel.API, Channel.WEB, Channel.MOBILE, Channel.PHONE], default=Channel.API
    )
    confidential = serializers.BooleanField(default=False)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    caller_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    caller_phone = PhoneSerializerField(required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, default=None)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, default=None)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, default=None
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=attachment_rules.MAX_FILES,
        help_text="照片或 PDF（multipart/form-data，可重复该字段），每个不超过 5 MB。",
    )

    def validate_attachments(self, files: list[Any]) -> list[Any]:
        problems = [p for p in map(attachment_rules.problem, files) if p]
        if problems:
            raise serializers.ValidationError(problems)
        return files


class ActionSerializer(serializers.Serializer):
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, default=None
    )
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False, default=None
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    workdays = serializers.IntegerField(required=False, default=0)
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_blank=True, default=""
    )
    line = serializers.ChoiceField(
        choices=EmergencyLine.choices, required=False, allow_blank=True, default=""
    )
    into = serializers.CharField(required=False, allow_blank=True, default="")


def run_action(name: str, ticket: Ticket, actor: Any, v: dict[str, Any]) -> Ticket:
    """Map one validated API body onto the domain function of the action."""
    if name == "dispatch":
        return services.dispatch(
            ticket, actor=actor, category=v["category"], department=v["department"],
            note=v["note"],
        )  # fmt: skip
    if name == "accept":
        return services.accept(ticket, actor=actor)
    if name == "return":
        return services.return_ticket(ticket, actor=actor, reason=v["reason"])
    if name == "object":
        return services.object_to_dispatch(ticket, actor=actor, reason=v["reason"])
    if name == "uphold":
        return services.uphold_dispatch(ticket, actor=actor, note=v["note"])
    if name == "redispatch":
        if v["department"] is None:
            raise TransitionError("请选择改派的承办部门。", "missing_field")
        return services.redispatch(
            ticket, actor=actor, department=v["department"], category=v["category"],
            note=v["note"],
        )  # fmt: skip
    if name == "request_extension":
        return services.request_extension(
            ticket, actor=actor, workdays=v["workdays"], reason=v["reason"]
        )
    if name == "approve_extension":
        return services.approve_extension(ticket, actor=actor, note=v["note"])
    if name == "reject_extension":
        return services.reject_extension(ticket, actor=actor, note=v["note"])
    if name == "answer":
        resolved = True if v["resolved"] is None else v["resolved"]
        return services.answer(ticket, actor=actor, text=v["text"], resolved=resolved)
    if name == "supervise":
        return services.supervise(ticket, actor=actor, note=v["note"])
    if name == "close":
        return services.close(ticket, actor=actor, note=v["note"])
    if name == "direct_close":
        return services.direct_close(ticket, actor=actor, text=v["text"])
    if name == "callback":
        return services.callback(ticket, actor=actor, note=v["note"], resolved=v["resolved"])
    if name == "evaluate":
        return services.evaluate(
            ticket, actor=actor, satisfaction=v["satisfaction"], note=v["note"]
        )
    if name == "merge":
        parent = Ticket.objects.filter(number=v["into"]).first()
        if parent is None:
            raise TransitionError("请填写要并入的主工单编号（into）。", "missing_field")
        return services.merge(ticket, into=parent, actor=actor, note=v["note"])
    if name == "transfer_emergency":
        return services.transfer_emergency(ticket, actor=actor, line=v["line"], note=v["note"])
    raise TransitionError(f"未知的操作：{name}", "invalid_field")


# --- views ------------------------------------------------------------------------------


def visible_tickets(request: Request) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related(
        "category", "proposed_category", "department", "proposed_department", "region",
        "parent",
    )  # fmt: skip
    user = request.user
    if not user.is_superuser and services.role_of(user) == OFFICER:
        profile = user.staff_profile  # type: ignore[union-attr]
        tickets = tickets.filter(department_id=profile.department_id or 0)
    return tickets


class TicketListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="工单列表（工作人员）",
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("seat", str, enum=Seat.values, description="专席队列"),
            OpenApiParameter("category", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=TicketSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        require_staff(request)
        tickets = visible_tickets(request)
        for field in ("status", "seat"):
            if request.query_params.get(field):
                tickets = tickets.filter(**{field: request.query_params[field]})
        if request.query_params.get("category"):
            tickets = tickets.filter(category__code=request.query_params["category"])
        try:
            limit = min(int(request.query_params.get("limit", 50)), 200)
            offset = max(int(request.query_params.get("offset", 0)), 0)
        except ValueError:
            return error("invalid_field", "limit 和 offset 必须是整数。", 400)
        page = tickets[offset : offset + limit]
        data = TicketSerializer(page, many=True, context={"request": request}).data
        return Response({"count": tickets.count(), "results": data})

    @extend_schema(
        summary="受理工单（网站、移动端、接口、话务）",
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        form = TicketCreateSerializer(data=request.data)
        if not form.is_valid():
            return error("invalid", "提交的工单信息有误，请检查后重试。", 400, form.errors)
        v = form.validated_data
        actor = request.user if request.user.is_authenticated else None
        if v["channel"] == Channel.PHONE and services.role_of(actor) != AGENT:
            v["channel"] = Channel.API
        try:
            ticket = services.receive(services.Intake(**v), actor=actor)
        except TransitionError as exc:
            return transition_error(exc)
        body = TicketDetailSerializer(ticket, context={"request": request}).data
        body["token"] = str(ticket.token)
        return Response(body, status=status.HTTP_201_CREATED)


class TicketDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="工单详情与流转记录", responses=TicketDetailSerializer)
    def get(self, request: Request, number: str) -> Response:
        require_staff(request)
        ticket = get_object_or_404(visible_tickets(request), number=number)
        return Response(TicketDetailSerializer(ticket, context={"request": request}).data)


class AttachmentView(APIView):
    """One file of a ticket, for whoever may see the ticket (and, if it is confidential,
    its caller's details): a photo can say as much as the message."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="下载工单附件", responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, number: str, pk: int) -> FileResponse:
        require_staff(request)
        ticket = get_object_or_404(visible_tickets(request), number=number)
        if ticket.confidential and not can_see_caller(request.user, ticket):
            raise Http404
        attachment = get_object_or_404(ticket.attachments, pk=pk)
        return FileResponse(attachment.file.open("rb"), filename=attachment.name)


class TicketActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="工单流转操作",
        description="action 取值："
        + "、".join(f"{k}（{a.label}）" for k, a in services.ACTIONS.items()),
        request=ActionSerializer,
        responses=TicketDetailSerializer,
    )
    def post(self, request: Request, number: str, action: str) -> Response:
        require_staff(request)
        if action not in services.ACTIONS:
            known = "、".join(services.ACTIONS)
            return error("unknown_action", f"未知的操作“{action}”。可用操作：{known}", 404)
        ticket = get_object_or_404(visible_tickets(request), number=number)
        form = ActionSerializer(data=request.data)
        if not form.is_valid():
            return error("invalid", "提交的内容有误，请检查后重试。", 400, form.errors)
        try:
            ticket = run_action(action, ticket, request.user, form.validated_data)
        except TransitionError as exc:
            return transition_error(exc)
        return Response(TicketDetailSerializer(ticket, context={"request": request}).data)


class ClassifyView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="诉求智能分类建议",
        request=inline_serializer("ClassifyRequest", {"text": serializers.CharField()}),
        responses=inline_serializer(
            "ClassifyResponse",
            {
                "category": serializers.CharField(),
                "category_name": serializers.CharField(),
                "confidence": serializers.FloatField(),
                "department": serializers.CharField(allow_null=True),
                "seat": serializers.CharField(),
                "alternatives": serializers.ListField(),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        text = str(request.data.get("text", "")).strip()
        if not text:
            return error("missing_field", "请提供诉求文本 text。", 400)
        region = None
        if request.data.get("region"):
            region = Region.objects.filter(code=str(request.data["region"])).first()
        try:
            prediction = classifier.get_default_classifier().propose(text[:5000])
        except classifier.DataFileError as exc:
            return error("model_unavailable", str(exc), 503)
        category = routing.category_for_label(prediction.label)
        department = routing.department_for(category, region)
        return Response(
            {
                "category": prediction.label,
                "category_name": category.name if category else prediction.label,
                "confidence": prediction.confidence,
                "department": department.code if department else None,
                "seat": category.seat if category else "",
                "alternatives": [
                    {"category": label, "confidence": c} for label, c in prediction.alternatives
                ],
            }
        )


class TrackRequestSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class TrackStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField(source="label")
    note = serializers.CharField()


class TrackSerializer(serializers.Serializer):
    number = serializers.CharField(source="ticket.number")
    status = serializers.CharField(source="ticket.status")
    progress = serializers.CharField()
    verified = serializers.BooleanField()
    received_at = serializers.DateTimeField(source="ticket.received_at")
    department = serializers.CharField(source="ticket.department.name", default=None)
    deadline = serializers.DateTimeField(source="ticket.deadline")
    steps = TrackStepSerializer(many=True)
    answer = serializers.CharField()
    answer_from = serializers.CharField()
    rating_url = serializers.SerializerMethodField()

    def get_rating_url(self, found: tracking.Progress) -> str | None:
        if not found.rating_token:
            return None
        return _absolute(self.context, reverse("evaluations:rate", args=[found.rating_token]))


class TrackView(APIView):
    """工单查询 for the caller: POST, so the phone stays out of URLs and access logs."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="来电人查询工单进度与答复",
        description="凭工单编号和反映时留的联系电话查询。编号不存在与电话不符的回答相同（404）；"
        "未留电话的工单只返回进度（verified 为 false），不返回答复内容。",
        request=TrackRequestSerializer,
        responses=TrackSerializer,
    )
    def post(self, request: Request) -> Response:
        given = TrackRequestSerializer(data=request.data)
        if not given.is_valid():
            return error("invalid_field", "请提供工单编号 number。", 400, given.errors)
        found = tracking.find(given.validated_data["number"], given.validated_data["phone"])
        if found is None:
            return error("not_found", "没有找到这个工单，请核对工单编号和联系电话。", 404)
        return Response(TrackSerializer(found, context={"request": request}).data)


class CategoryListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="诉求分类与专席",
        responses=inline_serializer(
            "HotlineCategory",
            {"code": serializers.CharField(), "name": serializers.CharField(),
             "seat": serializers.CharField()},
            many=True,
        ),
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        rows = Category.objects.filter(active=True).values("code", "name", "seat")
        return Response(list(rows))


class StatsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="统计与预警（按时办结率、解决率、满意率、热点、预警）",
        parameters=[OpenApiParameter("days", int)],
        responses=inline_serializer("HotlineStats", {"rates": serializers.DictField()}),
    )
    def get(self, request: Request) -> Response:
        require_staff(request)
        try:
            days = max(1, min(int(request.query_params.get("days", 30)), 366))
        except ValueError:
            return error("invalid_field", "days 必须是整数。", 400)
        now = timezone.now()
        rates = analysis.rates(now - dt.timedelta(days=days))
        topics = analysis.hot_topics(now, days=min(days, 30))
        alerts = Alert.objects.filter(acknowledged=False)[:20]
        return Response(
            {
                "rates": rates.__dict__,
                "hot_topics": [
                    {**t.__dict__, "growth": t.growth} for t in topics
                ],
                "alerts": [
                    {
                        "id": a.pk, "kind": a.kind, "title": a.title,
                        "ticket_count": a.ticket_count, "created_at": a.created_at,
                        "tickets": list(a.tickets.values_list("number", flat=True)[:100]),
                    }
                    for a in alerts
                ],
            }
        )  # fmt: skip
