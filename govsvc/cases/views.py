"""Resident pages (apply, my cases, a case's timeline) and the staff workbench."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from govsvc.bundles.models import Bundle
from govsvc.cases import forms, services
from govsvc.cases.api import masked_form
from govsvc.cases.models import Case, CaseStatus, DeliveryMethod, Notification, SubCase


def _case_for(request: HttpRequest, number: str) -> Case:
    case = services.visible_cases(request.user).filter(number=number).first()
    if case is None:
        raise Http404("没有这个办件，或您无权查看")
    return case


def _answers_from(request: HttpRequest, bundle: Bundle) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    source = request.POST if request.method == "POST" else request.GET
    for q in forms.guidance(bundle.list_no).questions:
        raw = source.get(f"q_{q.key}")
        if raw is not None:
            answers[q.key] = raw == "yes" if q.type == "bool" else raw
    return answers


@login_required
def apply(request: HttpRequest, list_no: int) -> HttpResponse:
    bundle = get_object_or_404(Bundle, list_no=list_no)
    try:
        applicant = services.applicant_for(request.user)
    except services.CaseError as exc:
        messages.error(request, exc.message)
        return redirect("portal:bundle_detail", list_no=list_no)
    case = None
    if request.GET.get("case") or request.POST.get("case"):
        case = _case_for(request, request.GET.get("case") or request.POST["case"])
    answers = _answers_from(request, bundle) or (case.answers if case else {})
    answers, _ = forms.clean_answers(bundle, answers)
    audience = "enterprise" if applicant.kind == "legal" else "person"
    application = services.plan(bundle, answers, audience)
    values = {**services.prefill(applicant), **(case.form_data if case else {})}
    errors: dict[str, str] = {}
    error_message = ""

    if request.method == "POST":
        data = {f.key: request.POST.get(f.key, "") for f in application.form.fields}
        try:
            case = services.save_draft(
                request.user,
                applicant,
                bundle=None if case else bundle,
                case=case,
                answers=answers,
                form_data=data,
                delivery_method=request.POST.get("delivery_method") or None,
                postal_address=request.POST.get("postal_address", ""),
            )
            for index, material in enumerate(application.materials):
                upload = request.FILES.get(f"material_{index}")
                if upload is not None:
                    services.attach_material(case, material.name, upload)
            if "submit" in request.POST:
                services.submit(case, request.user, request.POST.get("idempotency_key") or None)
                messages.success(request, f"已提交，办件编号 {case.number}")
                return redirect("cases:detail", number=case.number)
            messages.success(request, "草稿已保存")
            return redirect(f"{request.path}?case={case.number}")
        except services.CaseError as exc:
            error_message, errors = exc.message, exc.errors
            values.update(data)

    uploaded = set(case.materials.values_list("name", flat=True)) if case else set()
    return render(
        request,
        "cases/apply.html",
        {
            "bundle": bundle,
            "case": case,
            "questions": forms.guidance(bundle.list_no).questions,
            "answers": answers,
            "application": application,
            "fields": [
                (f, values.get(f.key, ""), errors.get(f.key)) for f in application.form.fields
            ],
            "materials": [
                (i, m, m.name in uploaded, errors.get(f"material:{m.name}"))
                for i, m in enumerate(application.materials)
            ],
            "provided": [(forms.label(k), item) for k, item in application.form.provided.items()],
            "error_message": error_message,
            "errors": errors,
            "delivery_methods": DeliveryMethod.choices,
        },
        status=400 if error_message else 200,
    )


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    if services.staff_department(request.user) is not None:
        return redirect("cases:workbench")
    cases = (
        services.visible_cases(request.user)
        .select_related("bundle", "item")
        .order_by("-created_at")
    )
    notices = Notification.objects.filter(user_id=request.user.pk or 0).order_by("-created_at")[:10]
    return render(request, "cases/my_cases.html", {"cases": cases, "notices": notices})


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    dept = services.staff_department(request.user)
    subcases = case.subcases.select_related("item", "department")
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "subcases": subcases,
            "events": case.events.select_related("department"),
            "form_data": [(forms.label(k), v) for k, v in masked_form(case, request.user).items()],
            "is_owner": case.applicant.user_id == request.user.pk
            or case.submitted_by_id == request.user.pk,
            "is_window": dept is not None
            and dept == case.lead_department
            and case.status == CaseStatus.SUBMITTED,
            "my_subcases": [s for s in subcases if dept is not None and s.department_id == dept.pk],
            "materials": case.materials.all(),
            "acts": _acts_to_rate(case, request.user),
        },
    )


def _acts_to_rate(case: Case, user: Any) -> list[Any]:
    """The service acts of this case the applicant may still rate (一次一评)."""
    from govsvc.evaluations.models import ServiceAct

    if case.applicant.user_id != user.pk or not case.number:
        return []
    return list(
        ServiceAct.objects.filter(reference=case.number, person_id=user.pk, ratings__isnull=True)
    )


@login_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    case = _case_for(request, number)
    try:
        if action == "accept":
            services.accept(case, request.user)
        elif action == "return":
            services.return_case(case, request.user, request.POST.get("missing", "").splitlines())
        elif action == "refuse":
            services.refuse_case(case, request.user, request.POST.get("reason", ""))
        elif action == "deliver":
            services.deliver(
                case,
                request.user,
                request.POST.get("method", "download"),
                request.POST.get("tracking", ""),
            )
        else:
            raise Http404("未知操作")
        messages.success(request, "操作成功")
    except services.CaseError as exc:
        messages.error(request, exc.message)
    return redirect("cases:detail", number=number)


@login_required
@require_POST
def sub_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    dept = services.staff_department(request.user)
    sub = get_object_or_404(SubCase.objects.select_related("case"), pk=pk, department=dept)
    handlers = {
        "take": lambda: services.take(sub, request.user),
        "correction": lambda: services.ask_correction(
            sub, request.user, request.POST.get("reason", "")
        ),
        "approve": lambda: services.approve(sub, request.user, None, request.POST.get("note", "")),
        "refuse": lambda: services.refuse_sub(sub, request.user, request.POST.get("reason", "")),
    }
    if action not in handlers:
        raise Http404("未知操作")
    try:
        handlers[action]()
        messages.success(request, "操作成功")
    except services.CaseError as exc:
        messages.error(request, exc.message)
    return redirect("cases:detail", number=sub.case.number)


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    dept = services.staff_department(request.user)
    if dept is None:
        return redirect("cases:mine")
    window = (
        Case.objects.filter(lead_department=dept, status=CaseStatus.SUBMITTED)
        .select_related("bundle", "item", "applicant")
        .order_by("submitted_at")
    )
    queue = services.department_queue(request.user)
    notices = Notification.objects.filter(user_id=request.user.pk or 0).order_by("-created_at")[:10]
    return render(
        request,
        "cases/workbench.html",
        {"dept": dept, "window": window, "queue": queue, "notices": notices},
    )


@login_required
def result_file(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    from django.http import FileResponse

    from govsvc.cases.models import CaseResult

    case = _case_for(request, number)
    result = get_object_or_404(CaseResult, pk=pk, subcase__case=case)
    if not result.file:
        raise Http404("该结果没有电子文件")
    return FileResponse(
        result.file.open("rb"), as_attachment=True, filename=result.file.name.rsplit("/", 1)[-1]
    )
