"""The cases API: applicants apply once; the lead window accepts; departments handle."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from govsvc.bundles.models import Bundle
from govsvc.cases import forms, services
from govsvc.cases.models import (
    Authorisation,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseResult,
    DeliveryMethod,
    DeliveryStatus,
    Notification,
    SubCase,
    SubStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from govsvc.catalog.models import ServiceItem, Status
from govsvc.core import audit
from govsvc.core.compiled import Compiled, together
from govsvc.core.masking import mask_address, mask_id_number, mask_name, mask_phone

MASKS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "address": mask_address,
}


def _raise(exc: services.CaseError) -> None:
    raise ValidationError({"detail": exc.message, **exc.errors})


def masked_form(case: Case, user: Any) -> dict[str, Any]:
    """The applicant sees everything; a department only the fields its sub-items need,
    with personal data masked."""
    if case.applicant.user_id == user.pk or case.submitted_by_id == user.pk:
        return dict(case.form_data)
    book = forms.dictionary()
    dept = services.staff_department(user)
    if dept == case.lead_department:
        keys = set(case.form_data)
    else:
        keys = set()
        subs = [s for s in case.subcases.all() if dept is not None and s.department_id == dept.pk]
        for sub in subs:
            keys.update(book.needs.get(sub.item.basic_code) or [])
        if subs:
            keys.update(book.defaults.get(services.audience_of(case.applicant), []))
    shown = {}
    for key in sorted(keys & set(case.form_data)):
        value = case.form_data[key]
        field = book.fields.get(key)
        mask = MASKS.get(field.pii if field else "")
        shown[key] = mask(str(value)) if mask and value else value
    return shown


# Case and sub-case representations are read on every status check and queue page. The
# serializers below declare the fields (for validation of nothing, and for the OpenAPI
# schema); their to_representation builds the same dictionaries directly, without DRF
# building a field object per attribute per request.


def _datetime(value: Any) -> str | None:
    """As DRF writes it (ISO 8601 in the current time zone), without a field per call."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


SUB_STATUS_LABELS = dict(SubStatus.choices)


def subcase_row(**values: Any) -> dict[str, Any]:
    """A sub-case as the API shows it, from a model (detail) or a plain row (queue page)."""
    status = values["status"]
    return {
        "id": values["id"],
        "case_number": values["case_number"],
        "item_code": values["item_code"],
        "item_name": values["item_name"],
        "department": values["department"],
        "status": status,
        "status_name": SUB_STATUS_LABELS.get(status, status),
        "deadline": _date(values["deadline"]),
        "dispatched_at": _datetime(values["dispatched_at"]),
        "decided_at": _datetime(values["decided_at"]),
        "reason": values["reason"],
        "results": values["results"],
        "depends_on": values["depends_on"],
    }


class EventSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.short_name", default=None)

    class Meta:
        model = CaseEvent
        fields = ["at", "kind", "message", "department", "subcase_id"]

    def to_representation(self, event: CaseEvent) -> dict[str, Any]:
        return {
            "at": _datetime(event.at),
            "kind": event.kind,
            "message": event.message,
            "department": event.department.short_name if event.department else None,
            "subcase_id": event.subcase_id,
        }


class SubCaseSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number")
    item_code = serializers.CharField(source="item.basic_code")
    item_name = serializers.CharField(source="item.name")
    department = serializers.CharField(source="department.short_name")
    status_name = serializers.CharField(source="get_status_display")
    depends_on: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = SubCase
        fields = [
            "id", "case_number", "item_code", "item_name", "department", "status", "status_name",
            "deadline", "dispatched_at", "decided_at", "reason", "results", "depends_on",
        ]  # fmt: skip

    def to_representation(self, sub: SubCase) -> dict[str, Any]:
        return subcase_row(
            id=sub.pk,
            case_number=sub.case.number,
            item_code=sub.item.basic_code,
            item_name=sub.item.name,
            department=sub.department.short_name,
            status=sub.status,
            deadline=sub.deadline,
            dispatched_at=sub.dispatched_at,
            decided_at=sub.decided_at,
            reason=sub.reason,
            results=sub.results,
            depends_on=(
                sub.dependency_ids  # type: ignore[attr-defined]
                if hasattr(sub, "dependency_ids")
                else [d.pk for d in sub.depends_on.all()]
            ),
        )


class CaseSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    bundle = serializers.IntegerField(source="bundle.list_no", default=None, read_only=True)
    item = serializers.CharField(source="item.basic_code", default=None, read_only=True)
    applicant = serializers.SerializerMethodField()
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    lead_department = serializers.CharField(source="lead_department.short_name", read_only=True)

    class Meta:
        model = Case
        fields = [
            "number", "title", "bundle", "item", "applicant", "status", "status_name",
            "lead_department", "submitted_at", "accepted_at", "promised_date", "completed_at",
            "delivered_at", "delivery_method",
        ]  # fmt: skip

    def get_applicant(self, case: Case) -> str:
        return mask_name(case.applicant.name)

    def to_representation(self, case: Case) -> dict[str, Any]:
        return {
            "number": case.number,
            "title": case.title,
            "bundle": case.bundle.list_no if case.bundle else None,
            "item": case.item.basic_code if case.item else None,
            "applicant": self.get_applicant(case),
            "status": case.status,
            "status_name": case.get_status_display(),
            "lead_department": case.lead_department.short_name,
            "submitted_at": _datetime(case.submitted_at),
            "accepted_at": _datetime(case.accepted_at),
            "promised_date": _date(case.promised_date),
            "completed_at": _datetime(case.completed_at),
            "delivered_at": _datetime(case.delivered_at),
            "delivery_method": case.delivery_method,
        }


class CaseDetailSerializer(CaseSerializer):
    subcases = SubCaseSerializer(many=True, read_only=True)
    timeline = EventSerializer(source="events", many=True, read_only=True)
    form_data = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "answers", "form_data", "missing", "refusal_reason", "postal_tracking",
            "materials", "results", "subcases", "timeline",
        ]  # fmt: skip

    def to_representation(self, case: Case) -> dict[str, Any]:
        subs = SubCaseSerializer()
        events = EventSerializer()
        return {
            **super().to_representation(case),
            "answers": case.answers,
            "form_data": self.get_form_data(case),
            "missing": case.missing,
            "refusal_reason": case.refusal_reason,
            "postal_tracking": case.postal_tracking,
            "materials": self.get_materials(case),
            "results": self.get_results(case),
            "subcases": [subs.to_representation(sub) for sub in case.subcases.all()],
            "timeline": [events.to_representation(e) for e in case.events.all()],
        }

    def get_form_data(self, case: Case) -> dict[str, Any]:
        return masked_form(case, self.context["request"].user)

    def get_results(self, case: Case) -> list[dict[str, Any]]:
        """Every department's results, delivered together once the case is complete."""
        return [
            {
                "name": r.name,
                "number": r.number,
                "kind": r.kind,
                "department": sub.department.short_name,
                "download": f"/cases/{case.number}/results/{r.pk}/" if r.file else None,
            }
            for sub in case.subcases.all()
            for r in sub.result_files.all()
        ]

    def get_materials(self, case: Case) -> list[dict[str, Any]]:
        return [
            {"name": m.name, "size": m.size, "content_type": m.content_type, "sha256": m.sha256}
            for m in case.materials.all()
        ]


class CaseCreateSerializer(serializers.Serializer):
    bundle = serializers.IntegerField(required=False, help_text="一件事清单序号")
    item = serializers.CharField(required=False, help_text="单事项编码")
    applicant_id = serializers.IntegerField(required=False, help_text="代办时的委托人")
    answers = serializers.DictField(required=False)
    form_data = serializers.DictField(required=False)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices, required=False)
    postal_address = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(default=False, help_text="创建后立即提交")


class PlanSerializer(serializers.Serializer):
    bundle = serializers.IntegerField(required=False)
    item = serializers.CharField(required=False)
    answers = serializers.DictField(required=False)


IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="同一个键重复提交不会产生第二个办件",
)  # fmt: skip


def _subject(data: dict[str, Any]) -> tuple[Bundle | None, ServiceItem | None]:
    if data.get("bundle"):
        bundle = services.bundle_by_number(data["bundle"])
        if bundle is None:
            raise ValidationError({"bundle": "没有这个一件事"})
        return bundle, None
    if data.get("item"):
        code = data["item"]
        item = ServiceItem.objects.filter(
            status=Status.PUBLISHED, base__isnull=True, basic_code=code
        ).first()
        if item is None:
            raise ValidationError({"item": "没有这个事项"})
        return None, item
    raise ValidationError({"bundle": "请指定 bundle 或 item"})


_SUBCASES_OF = Compiled(lambda case: SubCase.objects.filter(case_id=case), case=int)
_EVENTS_OF = Compiled(lambda case: CaseEvent.objects.filter(case_id=case), case=int)
_MATERIALS_OF = Compiled(lambda case: CaseMaterial.objects.filter(case_id=case), case=int)
_DEPENDENCIES_OF = Compiled(
    lambda subs: SubCase.depends_on.through.objects.filter(from_subcase_id__in=subs).values(
        "from_subcase_id", "to_subcase_id"
    ),
    subs=list[int],
)


def load_detail(case: Case) -> Case:
    """Everything the case page shows, in as few queries as the case needs: its sub-cases,
    timeline and materials; dependencies only when it has several sub-cases, result rows
    only once one of them is approved."""
    subs, events, materials = together(
        (_SUBCASES_OF, {"case": case.pk}),
        (_EVENTS_OF, {"case": case.pk}),
        (_MATERIALS_OF, {"case": case.pk}),
    )  # one round trip on PostgreSQL
    by_id = {sub.pk: sub for sub in subs}
    deps: dict[int, list[int]] = {sub.pk: [] for sub in subs}
    if len(subs) > 1:
        deps = dependency_ids(list(by_id))
    results: dict[int, list[CaseResult]] = {sub.pk: [] for sub in subs}
    if any(sub.status == SubStatus.APPROVED for sub in subs):
        for row in CaseResult.objects.filter(subcase_id__in=by_id).order_by("id"):
            results[row.subcase_id].append(row)
    for sub in subs:
        # Catalog items and departments come from memory (kept per catalog generation).
        sub.case = case
        sub.item = services.item_by_pk(sub.item_id)  # type: ignore[assignment]
        sub.department = services.department_by_pk(sub.department_id)  # type: ignore[assignment]
        sub.dependency_ids = deps[sub.pk]  # type: ignore[attr-defined]
        prefetched(sub, result_files=results[sub.pk])
    for event in events:
        if event.department_id:
            event.department = services.department_by_pk(event.department_id)
    prefetched(
        case,
        subcases=subs,
        events=events,
        materials=materials,
    )
    return case


def dependency_ids(sub_ids: list[int]) -> dict[int, list[int]]:
    """For each sub-case, the sub-cases it waits for, in one query."""
    deps: dict[int, list[int]] = {pk: [] for pk in sub_ids}
    if not sub_ids:
        return deps
    for row in _DEPENDENCIES_OF(subs=list(sub_ids)):
        deps[row["from_subcase_id"]].append(row["to_subcase_id"])
    return deps


def prefetched(obj: Any, **rows: list[Any]) -> None:
    """Tell Django the object's related rows are already known (as prefetch_related would)."""
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, values in rows.items():
        qs = getattr(obj, name).all()
        qs._result_cache = list(values)
        qs._prefetch_done = True
        cache[name] = qs


class CaseViewSet(viewsets.GenericViewSet):
    """Apply once for a bundle; follow the case; the lead window accepts it."""

    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "number"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Case]:
        return (
            services.visible_cases(self.request.user)
            .select_related("bundle", "item", "applicant", "lead_department")
            .order_by("-created_at")
        )

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "create":
            return CaseCreateSerializer
        return CaseDetailSerializer if self.action != "list" else CaseSerializer

    def get_object(self) -> Case:
        case = services.visible_case(self.request.user, self.kwargs["number"])
        if case is None:
            raise Http404("没有这个办件，或您无权查看")
        return services.attach_reference(case, self.request.user)

    def _detail(self, case: Case, code: int = 200) -> Response:
        fresh = services.attach_reference(Case.objects.get(pk=case.pk), self.request.user)
        return self._render(load_detail(fresh), code)

    def _render(self, case: Case, code: int = 200) -> Response:
        return Response(
            CaseDetailSerializer(case, context={"request": self.request}).data, status=code
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            CaseSerializer(page, many=True, context={"request": request}).data
        )

    def retrieve(self, request: Request, number: str) -> Response:
        return self._render(load_detail(self.get_object()))

    @extend_schema(
        parameters=[IDEMPOTENCY], request=CaseCreateSerializer, responses=CaseDetailSerializer
    )
    def create(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key") or None
        incoming = CaseCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        bundle, item = _subject(data)
        try:
            return self._create(request, data, bundle, item, key)
        except IntegrityError:
            # The key was used before (a retry), or by a concurrent request that won the
            # race: answer with that case, and change nothing.
            existing = Case.objects.filter(idempotency_key=key).first() if key else None
            if existing is None:
                raise
            if existing.submitted_by_id != request.user.pk:
                raise ValidationError({"detail": "该请求编号已被使用"}) from None
            return self._detail(existing, status.HTTP_200_OK)

    def _create(
        self, request: Request, data: dict[str, Any], bundle: Any, item: Any, key: str | None
    ) -> Response:
        try:
            applicant = services.applicant_for(request.user, data.get("applicant_id"))
            fields = {
                "bundle": bundle,
                "item": item,
                "answers": data.get("answers"),
                "form_data": data.get("form_data"),
                "delivery_method": data.get("delivery_method"),
                "postal_address": data.get("postal_address"),
                "idempotency_key": key,
            }
            if not data["submit"]:
                case = services.save_draft(request.user, applicant, **fields)
                return self._detail(case, status.HTTP_201_CREATED)
            case, event = services.apply(request.user, applicant, **fields)
        except services.CaseError as exc:
            _raise(exc)
        # Just submitted: its only event is the submission; nothing else exists yet.
        prefetched(case, subcases=[], materials=[], events=[event])
        return self._render(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseCreateSerializer, responses=CaseDetailSerializer)
    def partial_update(self, request: Request, number: str) -> Response:
        case = self._own(self.get_object())
        incoming = CaseCreateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            case = services.save_draft(
                request.user,
                case.applicant,
                case=case,
                answers=data.get("answers"),
                form_data=data.get("form_data"),
                delivery_method=data.get("delivery_method"),
                postal_address=data.get("postal_address"),
            )
        except services.CaseError as exc:
            _raise(exc)
        return self._detail(case)

    def _own(self, case: Case) -> Case:
        if (
            case.submitted_by_id != self.request.user.pk
            and case.applicant.user_id != self.request.user.pk
        ):
            raise PermissionDenied("只有申请人或其代办人可以修改办件")
        return case

    @extend_schema(parameters=[IDEMPOTENCY], request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, number: str) -> Response:
        case = self._own(self.get_object())
        try:
            case = services.submit(
                case, request.user, request.headers.get("Idempotency-Key") or None
            )
        except services.CaseError as exc:
            _raise(exc)
        return self._detail(case)

    @extend_schema(
        request=inline_serializer(
            "MaterialUpload", {"name": serializers.CharField(), "file": serializers.FileField()}
        ),
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def materials(self, request: Request, number: str) -> Response:
        case = self._own(self.get_object())
        name, upload = request.data.get("name"), request.FILES.get("file")
        if not name or upload is None:
            raise ValidationError({"detail": "请提供材料名称 name 和文件 file"})
        try:
            services.attach_material(case, str(name), upload)
        except services.CaseError as exc:
            _raise(exc)
        return self._detail(case)

    def _window(self, request: Request, number: str, fn: Any, *args: Any) -> Response:
        case = self.get_object()
        try:
            case = fn(case, request.user, *args)
        except services.CaseError as exc:
            if "只有" in exc.message:
                raise PermissionDenied(exc.message) from exc
            _raise(exc)
        return self._detail(case)

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, number: str) -> Response:
        return self._window(request, number, services.accept)

    @extend_schema(
        request=inline_serializer(
            "ReturnCase", {"missing": serializers.ListField(child=serializers.CharField())}
        ),
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_case(self, request: Request, number: str) -> Response:
        missing = request.data.get("missing") or []
        if not isinstance(missing, list):
            raise ValidationError({"missing": "missing 应为列表"})
        return self._window(request, number, services.return_case, missing)

    @extend_schema(
        request=inline_serializer("Refuse", {"reason": serializers.CharField()}),
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, number: str) -> Response:
        return self._window(
            request, number, services.refuse_case, str(request.data.get("reason", ""))
        )

    @extend_schema(
        request=inline_serializer(
            "Deliver",
            {
                "method": serializers.ChoiceField(choices=DeliveryMethod.choices),
                "tracking": serializers.CharField(required=False),
            },
        ),
        responses=CaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, number: str) -> Response:
        method = str(request.data.get("method", "download"))
        if method not in DeliveryMethod.values:
            raise ValidationError({"method": "送达方式只能是 download、post 或 window"})
        return self._window(
            request, number, services.deliver, method, str(request.data.get("tracking", ""))
        )

    @extend_schema(request=PlanSerializer, responses=dict)
    @action(detail=False, methods=["post"])
    def plan(self, request: Request) -> Response:
        """What an application asks: questions, applicable items, one form, one set of materials."""
        incoming = PlanSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        bundle, item = _subject(incoming.validated_data)
        answers = incoming.validated_data.get("answers") or {}
        errors: dict[str, str] = {}
        if bundle:
            answers, errors = forms.clean_answers(bundle, answers)
        applicant = services.own_applicant(request.user)
        audience = (
            "enterprise"
            if (applicant and applicant.kind == "legal")
            or (bundle and bundle.audience == "enterprise")
            else "person"
        )
        application = services.plan(bundle or item, answers, audience)  # type: ignore[arg-type]
        prefill = services.prefill(applicant) if applicant else {}
        questions = forms.guidance(bundle.list_no).questions if bundle else ()
        return Response(
            {
                "questions": [
                    {
                        "key": q.key,
                        "text": q.text,
                        "type": q.type,
                        "choices": [c for c, _ in q.choices],
                        "answer": answers.get(q.key),
                    }
                    for q in questions
                ],
                "answer_errors": errors,
                "items": [
                    {"code": i.basic_code, "name": i.name, "department": i.department.short_name}
                    for i in application.items
                ],
                "skipped_items": application.skipped,
                "fields": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "type": f.type,
                        "pii": f.pii,
                        "choices": [c for c, _ in f.choices],
                        "value": prefill.get(f.key),
                        "used_by": application.form.used_by.get(f.key, []),
                    }
                    for f in application.form.fields
                ],
                "not_asked": application.form.provided,
                "materials": [
                    {
                        "name": m.name,
                        "required": m.required,
                        "asked": m.asked,
                        "source": m.source_label,
                    }
                    for m in application.materials
                ],
            }
        )


QUEUE_COLUMNS = (
    "id", "case__number", "item__basic_code", "item__name", "status", "deadline",
    "dispatched_at", "decided_at", "reason", "results",
)  # fmt: skip


class QueuePagination(CursorPagination):
    """A department's queue can hold many thousands of sub-cases: page by cursor, never count."""

    ordering = ("deadline", "id")
    page_size = 50

    def first_page(self, request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The first page (no cursor) from rows already read in this ordering, at most one
        more than a page: the state paginate_queryset would leave, for the same links."""
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.ordering = type(self).ordering
        self.cursor = None
        self.page = rows[: self.page_size]
        self.has_previous = False
        self.has_next = len(rows) > self.page_size
        if self.has_next:
            self.next_position = self._get_position_from_instance(rows[-1], self.ordering)
        self.display_page_controls = self.has_next and self.template is not None
        return self.page


_OPEN_QUEUE = Compiled(
    # The first page of a department's open queue and one row more (is there a next page?).
    lambda dept: (
        SubCase.objects.filter(department_id=dept, status__in=services.OPEN_SUB_STATUSES)
        .values(*QUEUE_COLUMNS)
        .order_by(*QueuePagination.ordering)[: QueuePagination.page_size + 1]
    ),
    dept=int,
)


class SubCaseViewSet(viewsets.ReadOnlyModelViewSet):
    """A department's own sub-cases, nearest deadline first."""

    pagination_class = QueuePagination
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = SubCaseSerializer

    def get_queryset(self) -> QuerySet[SubCase]:
        dept = services.staff_department(self.request.user)
        if dept is None:
            return SubCase.objects.none()
        if self.action == "list":
            # A page of the queue reads only the columns the list shows.
            qs = SubCase.objects.filter(department=dept)
            if self.request.query_params.get("all") != "1":
                qs = qs.filter(status__in=services.OPEN_SUB_STATUSES)
            return qs.values(*QUEUE_COLUMNS).order_by("deadline", "id")  # type: ignore[return-value]
        return (
            SubCase.objects.filter(department=dept)
            .select_related("case", "item", "department")
            .prefetch_related("depends_on")
            .order_by("deadline", "id")
        )

    def list(self, request: Request) -> Response:
        dept = services.staff_department(request.user)
        paginator: QueuePagination = self.paginator  # type: ignore[assignment]
        params = request.query_params
        if dept is not None and not params:
            # The first page of the open queue, the page officers open all day: compiled.
            page = paginator.first_page(request, _OPEN_QUEUE(dept=dept.pk))
        else:
            rows_in: Any = self.paginate_queryset(self.get_queryset())
            page = rows_in or []
        deps = dependency_ids([row["id"] for row in page])
        department = dept.short_name if dept else ""
        rows = [
            subcase_row(
                id=row["id"],
                case_number=row["case__number"],
                item_code=row["item__basic_code"],
                item_name=row["item__name"],
                department=department,
                status=row["status"],
                deadline=row["deadline"],
                dispatched_at=row["dispatched_at"],
                decided_at=row["decided_at"],
                reason=row["reason"],
                results=row["results"],
                depends_on=deps[row["id"]],
            )
            for row in page
        ]
        return self.get_paginated_response(rows)

    def _act(self, request: Request, fn: Any, *args: Any) -> Response:
        sub = self.get_object()
        try:
            sub = fn(sub, request.user, *args)
        except services.CaseError as exc:
            _raise(exc)
        return Response(SubCaseSerializer(sub).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str) -> Response:
        return self._act(request, services.take)

    @extend_schema(request=inline_serializer("Correction", {"reason": serializers.CharField()}))
    @action(detail=True, methods=["post"])
    def correction(self, request: Request, pk: str) -> Response:
        return self._act(request, services.ask_correction, str(request.data.get("reason", "")))

    @extend_schema(
        request=inline_serializer(
            "Approve",
            {
                "results": serializers.ListField(child=serializers.DictField(), required=False),
                "note": serializers.CharField(required=False),
            },
        )
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        upload = request.FILES.get("file")
        if upload is not None:
            # multipart: one result with its file (licence, certificate or decision)
            name = str(request.data.get("name") or "")
            if not name:
                raise ValidationError({"name": "请填写结果名称"})
            result = {
                "name": name,
                "number": request.data.get("number", ""),
                "kind": request.data.get("kind", ""),
            }
            return self._act(
                request,
                services.approve,
                [result],
                str(request.data.get("note", "")),
                {name: upload},
            )
        results = request.data.get("results")
        if results is not None and not isinstance(results, list):
            raise ValidationError({"results": "results 应为列表"})
        return self._act(request, services.approve, results, str(request.data.get("note", "")))

    @extend_schema(request=inline_serializer("RefuseItem", {"reason": serializers.CharField()}))
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str) -> Response:
        return self._act(request, services.refuse_sub, str(request.data.get("reason", "")))


class NotificationSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", default=None)

    class Meta:
        model = Notification
        fields = ["id", "case_number", "channel", "message", "created_at", "read_at"]


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(user_id=self.request.user.pk or 0).select_related("case")


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "secret", "topics", "active"]
        extra_kwargs = {"secret": {"write_only": True}}


class WebhookViewSet(viewsets.ModelViewSet):
    """A department's system subscriptions, and deliveries that ended in the dead-letter list."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = WebhookSerializer

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return WebhookSubscription.objects.filter(
            department=services.staff_department(self.request.user)
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        dept = services.staff_department(self.request.user)
        if dept is None:
            raise PermissionDenied("只有部门工作人员可以登记接收地址")
        serializer.save(department=dept)

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"])
    def dead(self, request: Request) -> Response:
        rows = WebhookDelivery.objects.filter(
            subscription__department=services.staff_department(request.user),
            status=DeliveryStatus.DEAD,
        ).select_related("event")
        return Response(
            [
                {
                    "id": d.pk,
                    "event": str(d.event_id),
                    "topic": d.event.topic,
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                }
                for d in rows
            ]
        )

    @extend_schema(request=None, responses=dict)
    @action(detail=False, methods=["post"], url_path=r"dead/(?P<delivery_id>\d+)/retry")
    def retry(self, request: Request, delivery_id: str) -> Response:
        from govsvc.cases.outbox import retry_dead

        delivery = WebhookDelivery.objects.filter(
            pk=delivery_id,
            subscription__department=services.staff_department(request.user),
            status=DeliveryStatus.DEAD,
        ).first()
        if delivery is None:
            raise Http404("没有这条死信")
        retry_dead(delivery)
        return Response({"id": delivery.pk, "status": delivery.status})


class AuthorisationSerializer(serializers.ModelSerializer):
    agent = serializers.CharField(source="agent.username", read_only=True)
    agent_username = serializers.CharField(write_only=True, help_text="代办人的用户名")
    applicant = serializers.CharField(source="applicant.name", read_only=True)
    bundle = serializers.IntegerField(source="bundle.list_no", required=False, allow_null=True)

    class Meta:
        model = Authorisation
        fields = [
            "id",
            "agent",
            "agent_username",
            "applicant",
            "bundle",
            "document",
            "valid_until",
            "revoked_at",
        ]
        read_only_fields = ["revoked_at"]


class AuthorisationViewSet(viewsets.ModelViewSet):
    """An applicant authorises an agent (family member, company clerk, 帮办代办) to apply."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AuthorisationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Authorisation]:
        user_id = self.request.user.pk or 0
        return (
            Authorisation.objects.filter(applicant__user_id=user_id)
            | Authorisation.objects.filter(agent_id=user_id)
        ).select_related("agent", "applicant", "bundle")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        from django.contrib.auth import get_user_model

        applicant = services.own_applicant(self.request.user)
        if applicant is None:
            raise ValidationError({"detail": "请先完善申请人资料"})
        data = serializer.validated_data
        agent = get_user_model().objects.filter(username=data.pop("agent_username")).first()
        if agent is None:
            raise ValidationError({"agent_username": "没有这个代办人账号"})
        bundle_no = (data.pop("bundle", None) or {}).get("list_no")
        bundle = services.bundle_by_number(bundle_no) if bundle_no else None
        with transaction.atomic():
            auth = serializer.save(agent=agent, applicant=applicant, bundle=bundle)
            audit.record("authorisation_granted", auth, actor=self.request.user)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        auth = self.get_object()
        if auth.applicant.user_id != request.user.pk:
            raise PermissionDenied("只有委托人可以撤销授权")
        with transaction.atomic():
            auth.revoked_at = timezone.now()
            auth.save(update_fields=["revoked_at"])
            audit.record("authorisation_revoked", auth, actor=request.user)
        return Response(AuthorisationSerializer(auth).data)
