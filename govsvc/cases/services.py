"""Every state change of a case, each in one transaction with its audit record and events."""

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from govsvc.accounts.models import StaffRole
from govsvc.bundles.models import Bundle
from govsvc.bundles.savings import MergedMaterial, merged_materials
from govsvc.cases import forms
from govsvc.cases.models import (
    DONE_SUB_STATUSES,
    Applicant,
    Authorisation,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseResult,
    CaseStatus,
    SubCase,
    SubStatus,
)
from govsvc.cases.outbox import emit
from govsvc.catalog.models import MaterialSource, ServiceItem
from govsvc.catalog.services import catalog_generation
from govsvc.core import audit
from govsvc.core.compiled import Compiled, insert, insert_all
from govsvc.core.workdays import add_workdays
from govsvc.directory.models import Department

ALLOWED_TYPES = {"application/pdf", "image/jpeg", "image/png", "application/ofd"}
MAX_UPLOAD = 10 * 1024 * 1024


class CaseError(Exception):
    """A request the case cannot take; the message is for the person, in Chinese."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def staff_department(user: Any) -> Department | None:
    profile = getattr(user, "staff_profile", None)
    return profile.department if profile else None


def staff_role(user: Any) -> str | None:
    profile = getattr(user, "staff_profile", None)
    return profile.role if profile else None


def own_applicant(user: Any) -> Applicant | None:
    """The user's own applicant record (usually loaded with the user), if they have one."""
    try:
        return user.applicant
    except (Applicant.DoesNotExist, AttributeError):  # no record, or an anonymous user
        return None


def applicant_for(user: Any, applicant_id: int | None = None) -> Applicant:
    """The applicant a user acts for: themself, or someone who authorised them."""
    if applicant_id is None:
        own = own_applicant(user)
        if own is None:
            raise CaseError("请先完善申请人资料（姓名、证件号码）")
        return own
    applicant = Applicant.objects.filter(pk=applicant_id).first()
    if applicant is None:
        raise CaseError("申请人不存在")
    if applicant.user_id == user.pk or active_authorisation(user, applicant) is not None:
        return applicant
    raise CaseError("您没有代该申请人办理的授权")


def active_authorisation(
    user: Any, applicant: Applicant, bundle: Bundle | None = None
) -> Authorisation | None:
    today = timezone.localdate()
    qs = Authorisation.objects.filter(
        agent=user, applicant=applicant, revoked_at__isnull=True, valid_until__gte=today
    )
    if bundle is not None:
        qs = qs.filter(Q(bundle=bundle) | Q(bundle__isnull=True))
    return qs.first()


# ---- what a bundle asks -------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    """What one application needs, given the answers: items, form and materials.

    Shared between requests through the plan cache: treat it as read-only.
    """

    items: list[ServiceItem]
    form: forms.MergedForm
    materials: list[Any]  # MergedMaterial
    skipped: list[str]
    follow_later: frozenset[str] = frozenset()  # materials that may come after acceptance


# Plans depend only on the catalog, the bundle's data and the answers, and every
# submission needs one: keep the recent ones per process, keyed by the catalog generation
# (bumped on every catalog or bundle change, shared through the cache between processes).
_PLANS: "OrderedDict[tuple[Any, ...], Any]" = OrderedDict()
_PLANS_MAX = 512
_PLANS_LOCK = threading.Lock()


def plan(
    case_or_bundle: Bundle | ServiceItem, answers: dict[str, Any], audience: str
) -> Application:
    if isinstance(case_or_bundle, Bundle):
        answers, _ = forms.clean_answers(case_or_bundle, answers)
    key = (
        type(case_or_bundle).__name__,
        case_or_bundle.pk,
        audience,
        tuple(sorted((k, repr(v)) for k, v in answers.items())),
    )
    application: Application = _remembered(
        key, lambda: _build_plan(case_or_bundle, answers, audience)
    )
    return application


def clear_plan_cache() -> None:
    with _PLANS_LOCK:
        _PLANS.clear()


def _build_plan(
    case_or_bundle: Bundle | ServiceItem, answers: dict[str, Any], audience: str
) -> Application:
    if isinstance(case_or_bundle, Bundle):
        links = forms.applicable_links(case_or_bundle, answers)
        items = [link.item for link in links]
        names = {i.name for i in items}
        all_names = [link.item.name for link in case_or_bundle.bundle_items.select_related("item")]
        materials = [m for m in merged_materials(case_or_bundle) if set(m.items) & names]
        skipped = [n for n in all_names if n not in names]
    else:
        items = [case_or_bundle]
        materials = [
            MergedMaterial(m.name, m.required, m.source, [case_or_bundle.name])
            for m in case_or_bundle.materials.all()
        ]
        skipped = []
    prefetch_related_objects(items, "materials")
    follow_later = frozenset(
        m.name for item in items for m in item.materials.all() if m.may_follow or m.promise_allowed
    )
    return Application(items, forms.merged_form(items, audience), materials, skipped, follow_later)


def prefill(applicant: Applicant) -> dict[str, Any]:
    """Values the applicant gave before: profile, identity, the latest case's form."""
    identity = {
        "applicant_name": applicant.name,
        "applicant_id_number": applicant.id_number,
        "applicant_phone": applicant.phone,
        "applicant_address": applicant.address,
        "company_name": applicant.name if applicant.kind == "legal" else "",
        "credit_code": applicant.credit_code,
        "contact_phone": applicant.phone,
        "registered_address": applicant.address if applicant.kind == "legal" else "",
    }
    values: dict[str, Any] = {k: v for k, v in identity.items() if v}
    last = applicant.cases.exclude(form_data={}).order_by("-created_at").first()
    if last is not None:
        values.update(last.form_data)
    values.update(applicant.profile)
    return values


def audience_of(applicant: Applicant) -> str:
    return "enterprise" if applicant.kind == "legal" else "person"


def _event(
    case: Case,
    kind: str,
    message: str,
    actor: Any = None,
    sub: SubCase | None = None,
    *,
    save: bool = True,
) -> CaseEvent:
    """A timeline event, written now (or, with save=False, by the caller)."""
    event = CaseEvent(
        case=case,
        subcase=sub,
        actor=actor if actor is not None and actor.is_authenticated else None,
        department=sub.department if sub else None,
        kind=kind,
        message=message[:500],
    )
    return insert(event) if save else event


def _transition(obj: Any, name: str) -> None:
    try:
        getattr(obj, name)()
    except TransitionNotAllowed as exc:
        raise CaseError(f"当前状态「{obj.get_status_display()}」下不能执行此操作") from exc


# ---- applicant ------------------------------------------------------------------------


@transaction.atomic
def save_draft(
    user: Any,
    applicant: Applicant,
    *,
    bundle: Bundle | None = None,
    item: ServiceItem | None = None,
    answers: dict[str, Any] | None = None,
    form_data: dict[str, Any] | None = None,
    case: Case | None = None,
    delivery_method: str | None = None,
    postal_address: str | None = None,
    idempotency_key: str | None = None,
) -> Case:
    if case is None:
        case = _new_case(user, applicant, bundle, item)
        case.idempotency_key = idempotency_key
        _change(case, answers, form_data, delivery_method, postal_address)
        _insert_numbered(case)
        return case
    if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        raise CaseError("已提交的办件不能再修改")
    _change(case, answers, form_data, delivery_method, postal_address)
    case.save()
    return case


def _change(
    case: Case,
    answers: dict[str, Any] | None = None,
    form_data: dict[str, Any] | None = None,
    delivery_method: str | None = None,
    postal_address: str | None = None,
) -> None:
    """What an applicant may change before submitting; None leaves a part as it was."""
    if answers is not None:
        case.answers = answers
    if form_data is not None:
        case.form_data = {**case.form_data, **form_data}
    if delivery_method:
        case.delivery_method = delivery_method
    if postal_address is not None:
        case.postal_address = postal_address


def missing_materials(case: Case, application: Application) -> list[str]:
    uploaded = set(case.materials.values_list("name", flat=True)) if case.pk else set()
    return [
        m.name
        for m in application.materials
        if m.asked
        and m.required
        and m.name not in uploaded
        and m.name not in application.follow_later
    ]


@transaction.atomic
def attach_material(case: Case, name: str, upload: UploadedFile) -> CaseMaterial:
    """Store one file for one material; the same material is uploaded once for all sub-items."""
    if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        raise CaseError("办件已提交，不能再上传材料")
    if upload.content_type not in ALLOWED_TYPES:
        raise CaseError("只能上传 PDF、OFD、JPG 或 PNG 文件")
    if upload.size is None or upload.size > MAX_UPLOAD:
        raise CaseError("文件不能超过 10MB")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    CaseMaterial.objects.filter(case=case, name=name).delete()
    return CaseMaterial.objects.create(
        case=case,
        name=name,
        file=upload,
        content_type=upload.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )


def _case_number(case: Case) -> str:
    return f"WH{timezone.localdate():%Y%m%d}{case.pk:07d}"


def _number(case: Case) -> None:
    """Give a new case its key and its number, which is built from the key.

    On PostgreSQL the key is drawn from the table's sequence and nothing is written yet:
    the caller inserts the row once, number included (an insert followed by an update would
    leave a dead row version and new entries in every index of the table behind each
    case). Elsewhere (SQLite) the case is inserted and its number set by an update.
    """
    qn = connection.ops.quote_name
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [qn(table)])
            case.pk = cursor.fetchone()[0]
            case.number = _case_number(case)
            return
        insert(case)
        case.number = _case_number(case)
        update = f"UPDATE {qn(table)} SET {qn('number')} = %s WHERE {qn('id')} = %s"  # noqa: S608
        cursor.execute(update, [case.number, case.pk])


def _insert_numbered(case: Case) -> None:
    """Insert a new case with its number."""
    _number(case)
    if case._state.adding:
        insert(case)


def submit(case: Case, actor: Any, idempotency_key: str | None = None) -> Case:
    """Submit a draft (or a returned case). A retried request with the same key is a no-op."""
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.pk != case.pk:
                raise CaseError("该请求编号已用于另一个办件")
            if existing.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
                return existing
    try:
        with transaction.atomic():
            return _submit(case, actor, idempotency_key)
    except IntegrityError:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing


def _submit(case: Case, actor: Any, idempotency_key: str | None) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    application, cleaned = _checked(case)
    _record_submission(case, application, cleaned, actor, idempotency_key)
    return case


def _checked(case: Case) -> tuple[Application, dict[str, Any]]:
    """The case's plan and cleaned form, or CaseError listing everything still missing."""
    subject = case.bundle or case.item
    assert subject is not None
    errors: dict[str, str] = {}
    if case.bundle:
        case.answers, errors = forms.clean_answers(case.bundle, case.answers)
    application = plan(subject, case.answers, audience_of(case.applicant))
    cleaned, field_errors = forms.validate_form(application.form, case.form_data)
    errors.update(field_errors)
    errors.update({f"material:{n}": f"请上传「{n}」" for n in missing_materials(case, application)})
    if case.delivery_method == "post" and not case.postal_address:
        errors["postal_address"] = "选择邮寄送达时请填写邮寄地址"
    if errors:
        raise CaseError("申请信息不完整，请按提示补充后再提交", errors)
    return application, cleaned


def _record_submission(
    case: Case,
    application: Application,
    cleaned: dict[str, Any],
    actor: Any,
    idempotency_key: str | None,
) -> CaseEvent:
    """Submit (in the caller's transaction): state, promised date, event, audit, outbox."""
    subject = case.bundle or case.item
    assert subject is not None
    was_returned = case.status == CaseStatus.RETURNED
    _transition(case, "submit")
    case.form_data = {**case.form_data, **cleaned}
    case.idempotency_key = idempotency_key or case.idempotency_key
    case.submitted_at = timezone.now()
    case.promised_date = add_workdays(timezone.localdate(), subject.promised_days or 0)
    case.missing = []
    if case.pk is None:
        _number(case)  # on PostgreSQL the case row itself goes with its other rows below
    else:
        if not case.number:
            case.number = _case_number(case)
        case.save()
    _remember_profile(case.applicant, application.form, cleaned)
    promised = case.promised_date
    rows = (
        _event(
            case, "submitted", "补正后重新提交" if was_returned else "提交申请", actor, save=False
        ),
        audit.record("case_submitted", case, actor=actor, summary=case.number, save=False),
        emit(
            "case_submitted",
            case=case,
            department=case.lead_department,
            payload={"title": case.title},
            notify=f"您的申请（{case.number}）已提交，承诺 {promised:%Y年%m月%d日} 前办结。",
            save=False,
        ),
    )
    insert_all(*([case] if case._state.adding else []), *rows)  # one round trip on PostgreSQL
    return rows[0]


def apply(
    user: Any,
    applicant: Applicant,
    *,
    bundle: Bundle | None = None,
    item: ServiceItem | None = None,
    idempotency_key: str | None = None,
    **changes: Any,
) -> tuple[Case, CaseEvent]:
    """Create and submit in one transaction (one request, nothing to upload).

    An incomplete application is kept as a draft, so nothing typed is lost, and CaseError
    lists everything still missing together with the draft's number.
    """
    case = _new_case(user, applicant, bundle, item)
    _change(case, **changes)
    try:
        application, cleaned = _checked(case)
    except CaseError as exc:
        case.idempotency_key = idempotency_key
        with transaction.atomic():
            _insert_numbered(case)
        exc.errors = {**exc.errors, "number": case.number or ""}
        raise
    with transaction.atomic():
        event = _record_submission(case, application, cleaned, user, idempotency_key)
    return case, event


def _new_case(
    user: Any, applicant: Applicant, bundle: Bundle | None, item: ServiceItem | None
) -> Case:
    if (bundle is None) == (item is None):
        raise CaseError("请选择要办理的一件事或事项")
    lead = lead_department(bundle) if bundle else item.department  # type: ignore[union-attr]
    if lead is None:
        raise CaseError("该一件事尚未配置牵头部门")
    case = Case(
        bundle=bundle, item=item, applicant=applicant, submitted_by=user, lead_department=lead
    )
    case.authorisation = (
        None if applicant.user_id == user.pk else active_authorisation(user, applicant, bundle)
    )
    return case


def _remembered(key: tuple[Any, ...], build: Any) -> Any:
    """A value from the plan cache, built on first use and kept for this catalog generation."""
    key = (catalog_generation(), *key)
    with _PLANS_LOCK:
        if key in _PLANS:
            _PLANS.move_to_end(key)
            return _PLANS[key]
    value = build()
    with _PLANS_LOCK:
        _PLANS[key] = value
        while len(_PLANS) > _PLANS_MAX:
            _PLANS.popitem(last=False)
    return value


def _row(model: Any, **lookup: Any) -> Any:
    """One catalog or directory row, shared between requests: read it, never change it."""
    return _remembered(
        (model._meta.label, *sorted(lookup.items())),
        lambda: model.objects.filter(**lookup).first(),
    )


def lead_department(bundle: Bundle) -> Department | None:
    """The window that accepts the bundle's cases (the first ★ department)."""
    return _remembered(
        ("lead", bundle.pk), lambda: bundle.lead_departments.order_by("code").first()
    )


def bundle_by_pk(pk: int) -> Bundle | None:
    return _row(Bundle, pk=pk)


def item_by_pk(pk: int) -> ServiceItem | None:
    return _row(ServiceItem, pk=pk)


def department_by_pk(pk: int) -> Department | None:
    return _row(Department, pk=pk)


def bundle_by_number(list_no: int) -> Bundle | None:
    """A bundle by its list number (一件事清单序号)."""
    return _row(Bundle, list_no=list_no)


def attach_reference(case: Case, user: Any = None) -> Case:
    """Fill in a case's bundle, lead department and (for its own applicant) applicant from
    what is already in memory, instead of joining four tables on every read."""
    if case.bundle_id:
        case.bundle = bundle_by_pk(case.bundle_id)
    case.lead_department = department_by_pk(case.lead_department_id)  # type: ignore[assignment]
    own = own_applicant(user)
    if own is not None and own.pk == case.applicant_id:
        case.applicant = own
    return case


def _remember_profile(applicant: Applicant, form: forms.MergedForm, values: dict[str, Any]) -> None:
    reusable = {f.key: values[f.key] for f in form.fields if f.profile and f.key in values}
    if any(applicant.profile.get(k) != v for k, v in reusable.items()):
        applicant.profile = {**applicant.profile, **reusable}
        applicant.save(update_fields=["profile"])


# ---- lead department window (一窗受理) ------------------------------------------------


def _require_window(case: Case, actor: Any) -> None:
    if staff_department(actor) != case.lead_department or staff_role(actor) not in (
        StaffRole.WINDOW_CLERK,
        StaffRole.DEPARTMENT_OFFICER,
    ):
        raise CaseError("只有牵头部门的受理窗口可以处理该办件")


@transaction.atomic
def accept(case: Case, actor: Any) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_window(case, actor)
    _transition(case, "accept")
    case.accepted_at = timezone.now()
    subject = case.bundle or case.item
    assert subject is not None
    case.promised_date = add_workdays(timezone.localdate(), subject.promised_days or 0)
    case.save()

    subs: dict[int, SubCase] = {}
    if case.bundle:
        links = forms.applicable_links(case.bundle, case.answers)
        for link in links:
            subs[link.pk] = SubCase.objects.create(
                case=case, bundle_item=link, item=link.item, department=link.item.department
            )
        for link in links:
            deps = [subs[d.pk] for d in link.depends_on.all() if d.pk in subs]
            subs[link.pk].depends_on.set(deps)
    else:
        assert case.item is not None
        subs[0] = SubCase.objects.create(case=case, item=case.item, department=case.item.department)

    _event(case, "accepted", f"{case.lead_department}受理，分送 {len(subs)} 个事项并联办理", actor)
    audit.record("case_accepted", case, actor=actor, summary=case.number or "")
    emit(
        "case_accepted",
        case=case,
        payload={"subcases": len(subs)},
        notify=f"您的申请（{case.number}）已受理，承诺 {case.promised_date:%Y年%m月%d日} 前办结。",
    )
    for sub in subs.values():
        if not sub.depends_on.exists():
            _dispatch(sub, actor)
    _record_act(case, "case_accepted", actor)
    return case


def _dispatch(sub: SubCase, actor: Any) -> None:
    _transition(sub, "dispatch")
    sub.dispatched_at = timezone.now()
    sub.deadline = add_workdays(timezone.localdate(), sub.item.promised_days or 0)
    sub.save()
    _event(sub.case, "dispatched", f"分送{sub.department}办理「{sub.item.name}」", actor, sub)
    emit(
        "subcase_dispatched",
        case=sub.case,
        subcase=sub,
        department=sub.department,
        payload={
            "item_code": sub.item.basic_code,
            "item_name": sub.item.name,
            "deadline": str(sub.deadline),
        },
    )


@transaction.atomic
def return_case(case: Case, actor: Any, missing: list[str]) -> Case:
    """Return once, listing everything that is missing together (一次性告知)."""
    missing = [m.strip() for m in missing if m and m.strip()]
    if not missing:
        raise CaseError("请列明需要补正的全部内容")
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_window(case, actor)
    _transition(case, "return_for_correction")
    case.missing = missing
    case.save()
    _event(case, "returned", "一次性告知需补正：" + "；".join(missing), actor)
    audit.record("case_returned", case, actor=actor, data={"missing": missing})
    emit(
        "case_returned",
        case=case,
        payload={"missing": missing},
        notify=f"您的申请（{case.number}）需要补正：{'；'.join(missing)}",
    )
    return case


@transaction.atomic
def refuse_case(case: Case, actor: Any, reason: str) -> Case:
    if not reason.strip():
        raise CaseError("不予受理须写明理由")
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_window(case, actor)
    _transition(case, "refuse")
    case.refusal_reason = reason.strip()
    case.save()
    _event(case, "refused", f"不予受理：{case.refusal_reason}", actor)
    audit.record("case_refused", case, actor=actor, data={"reason": case.refusal_reason})
    emit(
        "case_refused",
        case=case,
        notify=f"您的申请（{case.number}）不予受理：{case.refusal_reason}",
    )
    return case


# ---- departments ------------------------------------------------------------------------


OPEN_SUB_STATUSES = (SubStatus.PENDING, SubStatus.HANDLING, SubStatus.CORRECTION)


def department_queue(user: Any) -> QuerySet[SubCase]:
    """Sub-cases of the user's own department, nearest deadline first."""
    dept = staff_department(user)
    if dept is None:
        return SubCase.objects.none()
    return (
        SubCase.objects.filter(department=dept, status__in=OPEN_SUB_STATUSES)
        .select_related("case", "item", "case__applicant", "department")
        .prefetch_related("depends_on")
        .order_by("deadline", "id")
    )


def _own_sub(sub: SubCase, actor: Any) -> SubCase:
    sub = (
        SubCase.objects.select_for_update()
        .select_related("case", "item", "department")
        .get(pk=sub.pk)
    )
    if staff_department(actor) != sub.department:
        raise CaseError("只能处理本部门的子办件")
    return sub


@transaction.atomic
def take(sub: SubCase, actor: Any) -> SubCase:
    sub = _own_sub(sub, actor)
    _transition(sub, "take")
    sub.save()
    _event(sub.case, "taken", f"{sub.department}签收「{sub.item.name}」并开始办理", actor, sub)
    return sub


@transaction.atomic
def ask_correction(sub: SubCase, actor: Any, reason: str) -> SubCase:
    if not reason.strip():
        raise CaseError("请写明需要补正的内容")
    sub = _own_sub(sub, actor)
    _transition(sub, "ask_correction")
    sub.reason = reason.strip()
    sub.save()
    _event(sub.case, "correction", f"{sub.department}要求补正：{sub.reason}", actor, sub)
    emit(
        "subcase_correction",
        case=sub.case,
        subcase=sub,
        notify=f"「{sub.item.name}」需要补正：{sub.reason}",
    )
    return sub


@transaction.atomic
def approve(
    sub: SubCase,
    actor: Any,
    results: list[dict[str, Any]] | None = None,
    note: str = "",
    files: dict[str, UploadedFile] | None = None,
) -> SubCase:
    sub = _own_sub(sub, actor)
    _transition(sub, "approve")
    sub.decided_at = timezone.now()
    sub.results = results or [
        {"name": sub.item.result_name or sub.item.name, "kind": sub.item.result_type}
    ]
    sub.reason = note
    sub.save()
    for result in sub.results:
        name = str(result.get("name") or sub.item.name)[:200]
        CaseResult.objects.create(
            subcase=sub,
            name=name,
            kind=str(result.get("kind") or "")[:32],
            number=str(result.get("number") or "")[:64],
            file=(files or {}).get(name),
        )
    _event(sub.case, "approved", f"{sub.department}办结「{sub.item.name}」", actor, sub)
    audit.record("subcase_approved", sub, actor=actor, data={"results": sub.results})
    emit(
        "subcase_approved",
        case=sub.case,
        subcase=sub,
        department=sub.department,
        payload={"results": sub.results},
    )
    _after_decision(sub, actor)
    return sub


@transaction.atomic
def refuse_sub(sub: SubCase, actor: Any, reason: str) -> SubCase:
    if not reason.strip():
        raise CaseError("不予办理须写明理由")
    sub = _own_sub(sub, actor)
    _transition(sub, "refuse")
    sub.decided_at = timezone.now()
    sub.reason = reason.strip()
    sub.save()
    _event(
        sub.case,
        "refused_item",
        f"{sub.department}不予办理「{sub.item.name}」：{sub.reason}",
        actor,
        sub,
    )
    audit.record("subcase_refused", sub, actor=actor, data={"reason": sub.reason})
    emit(
        "subcase_refused",
        case=sub.case,
        subcase=sub,
        department=sub.department,
        payload={"reason": sub.reason},
    )
    _after_decision(sub, actor)
    return sub


def _after_decision(sub: SubCase, actor: Any) -> None:
    """Release sub-cases that waited for this one; complete the case when all are done."""
    for waiting in sub.dependents.filter(status=SubStatus.WAITING).select_for_update():
        deps = list(waiting.depends_on.all())
        if any(d.status == SubStatus.REFUSED for d in deps):
            _transition(waiting, "skip")
            waiting.reason = "前置事项未获准予，无法继续办理"
            waiting.save()
            _event(
                waiting.case,
                "skipped",
                f"「{waiting.item.name}」因前置事项未获准予而终止",
                actor,
                waiting,
            )
            _after_decision(waiting, actor)
        elif all(d.status == SubStatus.APPROVED for d in deps):
            _dispatch(waiting, actor)
    case = Case.objects.select_for_update().get(pk=sub.case_id)
    if (
        case.status == CaseStatus.ACCEPTED
        and not case.subcases.exclude(status__in=DONE_SUB_STATUSES).exists()
    ):
        _transition(case, "complete")
        case.completed_at = timezone.now()
        case.save()
        _event(case, "completed", "全部事项办结，结果统一送达", actor)
        audit.record("case_completed", case, actor=actor, summary=case.number or "")
        emit(
            "case_completed",
            case=case,
            notify=f"您的申请（{case.number}）已全部办结，可下载或领取结果。",
        )
        _record_act(case, "case_completed", actor)


@transaction.atomic
def deliver(case: Case, actor: Any, method: str, tracking: str = "") -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if method == "post" and not tracking.strip():
        raise CaseError("邮寄送达须登记邮件单号")
    if method == "post":
        _require_window(case, actor)
    elif (
        case.applicant.user_id != getattr(actor, "pk", None)
        and staff_department(actor) != case.lead_department
    ):
        raise CaseError("只有申请人或受理部门可以确认送达")
    _transition(case, "deliver")
    case.delivery_method = method
    case.postal_tracking = tracking.strip()
    case.delivered_at = timezone.now()
    case.save()
    label = f"邮寄送达，单号 {case.postal_tracking}" if method == "post" else "申请人已下载全部结果"
    _event(case, "delivered", label, actor)
    audit.record("case_delivered", case, actor=actor, data={"method": method})
    emit("case_delivered", case=case, notify=f"您的办件（{case.number}）结果已送达：{label}")
    return case


def _record_act(case: Case, kind: str, actor: Any) -> None:
    """Offer a 好差评 rating for this service act (一次一评)."""
    from govsvc.evaluations.services import record_act

    record_act(
        kind=kind,
        reference=case.number or "",
        # A bundle is rated as a whole (its case number); a single-item case names its item.
        item=case.item,
        department=case.lead_department,
        person=case.applicant.user,
        person_name=case.applicant.name,
        phone=case.applicant.phone,
        staff=actor if getattr(actor, "is_authenticated", False) else None,
    )


# ---- who may see what ---------------------------------------------------------------------


def _visibility(*, dept: Any = None, applicant: Any = None, user: Any = None) -> Q:
    """Who may open a case, by key: a department its own (as lead or for a sub-case), a
    user their own applicant's and those they submitted for someone else."""
    if dept is not None:
        return Q(lead_department_id=dept) | Q(
            pk__in=SubCase.objects.filter(department_id=dept).values("case_id")
        )
    mine = Q(submitted_by_id=user)
    return Q(applicant_id=applicant) | mine if applicant is not None else mine


def visible_cases(user: Any) -> QuerySet[Case]:
    """Cases a user may open: their department's (as lead or for a sub-case), or their own
    and those they submitted for someone else. Each case at most once, without DISTINCT."""
    if not user.is_authenticated:
        return Case.objects.none()
    dept = staff_department(user)
    if dept is not None:
        return Case.objects.filter(_visibility(dept=dept.pk))
    own = own_applicant(user)
    applicant = own.pk if own is not None else None
    return Case.objects.filter(_visibility(applicant=applicant, user=user.pk))


# visible_case's three shapes of the same rule, compiled.
_DEPARTMENT_CASE = Compiled(
    lambda number, dept: Case.objects.filter(_visibility(dept=dept), number=number).order_by("pk")[
        :1
    ],
    number=str,
    dept=int,
)
_OWN_CASE = Compiled(
    lambda number, applicant, user: Case.objects.filter(
        _visibility(applicant=applicant, user=user), number=number
    ).order_by("pk")[:1],
    number=str,
    applicant=int,
    user=int,
)
_SUBMITTED_CASE = Compiled(
    lambda number, user: Case.objects.filter(_visibility(user=user), number=number).order_by("pk")[
        :1
    ],
    number=str,
    user=int,
)


def visible_case(user: Any, number: str) -> Case | None:
    """The case with this number if ``visible_cases(user)`` holds it (one compiled query)."""
    if not user.is_authenticated:
        return None
    dept = staff_department(user)
    if dept is not None:
        rows = _DEPARTMENT_CASE(number=number, dept=dept.pk)
    else:
        own = own_applicant(user)
        if own is not None:
            rows = _OWN_CASE(number=number, applicant=own.pk, user=user.pk)
        else:
            rows = _SUBMITTED_CASE(number=number, user=user.pk)
    return rows[0] if rows else None


def material_source_label(source: str) -> str:
    return MaterialSource(source).label


# ---- time limits ----------------------------------------------------------------------------


def flag_deadlines(today: Any = None) -> dict[str, int]:
    """Warn departments one working day before a sub-case's limit and flag it once overdue.

    Each flag is set once (``warned_at``, ``overdue_at``), so running this often is safe. The
    department's officers and the supervisors are notified in the platform.
    """
    from govsvc.accounts.models import StaffProfile
    from govsvc.cases.models import Notification
    from govsvc.core.workdays import workdays_between

    today = today or timezone.localdate()
    counts = {"warned": 0, "overdue": 0}
    open_subs = SubCase.objects.filter(
        status__in=[SubStatus.PENDING, SubStatus.HANDLING, SubStatus.CORRECTION],
        deadline__isnull=False,
    ).select_related("case", "item", "department")
    supervisors = list(
        StaffProfile.objects.filter(role=StaffRole.SUPERVISOR).values_list("user_id", flat=True)
    )
    for sub in open_subs:
        remaining = workdays_between(today, sub.deadline)  # type: ignore[arg-type]
        if remaining < 0 and sub.overdue_at is None:
            kind, message, field = (
                "overdue",
                f"「{sub.item.name}」已超过办理时限（{sub.deadline}）",
                "overdue_at",
            )
        elif 0 <= remaining <= 1 and sub.warned_at is None:
            kind, message, field = (
                "near_deadline",
                f"「{sub.item.name}」将于 {sub.deadline} 到期",
                "warned_at",
            )
        else:
            continue
        with transaction.atomic():
            SubCase.objects.filter(pk=sub.pk).update(**{field: timezone.now()})
            _event(sub.case, kind, message, None, sub)
            officers = StaffProfile.objects.filter(department=sub.department).values_list(
                "user_id", flat=True
            )
            recipients = set(officers) | (set(supervisors) if kind == "overdue" else set())
            for user_id in recipients:
                Notification.objects.create(
                    user_id=user_id,
                    case=sub.case,
                    channel="in_app",
                    message=f"{sub.case.number}：{message}",
                )
        counts["warned" if kind == "near_deadline" else "overdue"] += 1
    return counts
