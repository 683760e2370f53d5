"""Pages: the public catalogue, "policies for me", and staff pages for rules, simulation,
batches and payments. Server-rendered, usable on a phone, no JavaScript needed."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from govsvc.core.masking import mask_id_number
from govsvc.policies import services
from govsvc.policies.models import (
    Audience,
    BatchStatus,
    Match,
    MatchBatch,
    Notification,
    PaymentOrder,
    PaymentStatus,
    Policy,
    PolicyStatus,
    PolicyVersion,
)
from govsvc.policies.rules import RuleError
from govsvc.policies.rules.schema import SCHEMAS
from govsvc.policies.tasks import run_batch_task

View = Callable[..., HttpResponse]


def staff_only(view: View) -> View:
    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied("仅限工作人员")
        return view(request, *args, **kwargs)

    return wrapped


def catalogue(request: HttpRequest) -> HttpResponse:
    audience = request.GET.get("audience", "")
    policies = Policy.objects.filter(status=PolicyStatus.PUBLISHED).select_related(
        "department", "published_version"
    )
    if audience in Audience.values:
        policies = policies.filter(audience=audience)
    return render(
        request,
        "policies/catalogue.html",
        {"policies": policies, "audience": audience, "audiences": Audience.choices},
    )


def detail(request: HttpRequest, code: str) -> HttpResponse:
    policy = get_object_or_404(
        Policy.objects.select_related("department", "published_version"),
        code=code,
        status=PolicyStatus.PUBLISHED,
    )
    schema = SCHEMAS[policy.audience]
    return render(request, "policies/detail.html", {"policy": policy, "labels": schema.labels})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    matches = Match.objects.filter(profile__user_id=request.user.pk or 0).select_related(
        "policy", "profile"
    )
    notices = Notification.objects.filter(profile__user_id=request.user.pk or 0)[:20]
    return render(
        request,
        "policies/mine.html",
        {"matches": matches, "notices": notices, "period": str(timezone.localdate().year)},
    )


@require_POST
@login_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(Match.objects.select_related("policy", "profile", "version"), pk=pk)
    try:
        services.confirm(
            match, request.user, request.POST.get("period") or str(timezone.localdate().year)
        )
    except services.PolicyActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已确认申领“{match.policy.title}”，待审核后拨付。")
    return redirect("policies:mine")


@staff_only
def staff_rules(request: HttpRequest) -> HttpResponse:
    policies = Policy.objects.prefetch_related("versions").select_related("published_version")
    return render(request, "policies/staff_rules.html", {"policies": policies})


@staff_only
def staff_policy(request: HttpRequest, code: str) -> HttpResponse:
    policy = get_object_or_404(Policy, code=code)
    form = {"rule": "", "amount": "", "amount_formula": ""}
    error: dict[str, Any] | None = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            amount = Decimal(form["amount"]) if form["amount"] else None
        except InvalidOperation:
            amount, error = None, {"text": "固定金额应为数字"}
        if error is None:
            try:
                version = services.create_version(
                    policy,
                    rule=form["rule"],
                    amount=amount,
                    formula=form["amount_formula"],
                    author=request.user,
                )
            except RuleError as exc:
                error = exc.as_dict()
            else:
                messages.success(request, f"已保存草稿 v{version.number}")
                return redirect("policies:staff_policy", code=code)
    schema = SCHEMAS[policy.audience]
    fields = [(n, t.value, schema.labels.get(n, n)) for n, t in schema.types.items()]
    return render(
        request,
        "policies/staff_policy.html",
        {
            "policy": policy,
            "versions": policy.versions.all(),
            "form": form,
            "error": error,
            "fields": fields,
        },
    )


@require_POST
@staff_only
def staff_version_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    try:
        if action == "submit":
            services.submit_version(version, request.user)
        elif action in ("approve", "reject"):
            services.review_version(
                version,
                request.user,
                approve=action == "approve",
                note=request.POST.get("note", ""),
            )
        elif action == "publish":
            services.publish(version.policy, version, request.user)
        else:
            raise services.PolicyActionError("未知操作")
    except services.PolicyActionError as exc:
        messages.error(request, str(exc))
    return redirect("policies:staff_policy", code=version.policy.code)


@staff_only
def staff_simulation(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy"), pk=pk)
    try:
        result = services.simulate(version)
    except RuleError as exc:
        messages.error(request, str(exc))
        return redirect("policies:staff_policy", code=version.policy.code)
    return render(request, "policies/staff_simulation.html", {"version": version, "result": result})


@staff_only
def staff_batches(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        audience = request.POST.get("audience", "")
        try:
            as_of = date.fromisoformat(request.POST["as_of"]) if request.POST.get("as_of") else None
        except ValueError:
            as_of, audience = None, ""
        if audience not in Audience.values:
            messages.error(request, "请选择对象，数据时点请写成 YYYY-MM-DD")
        else:
            batch = services.start_batch(audience, request.user, as_of)
            run_batch_task.delay(batch.pk)
            batch.refresh_from_db()
            messages.success(
                request, f"批次 {batch.pk}：{batch.get_status_display()}，匹配 {batch.matches} 条"
            )
        return redirect("policies:staff_batches")
    batches = MatchBatch.objects.all()[:30]
    running = any(b.status in (BatchStatus.PENDING, BatchStatus.RUNNING) for b in batches)
    return render(
        request,
        "policies/staff_batches.html",
        {"batches": batches, "audiences": Audience.choices, "running": running},
    )


@require_POST
@staff_only
def staff_push(request: HttpRequest, pk: int) -> HttpResponse:
    pushed = services.push(get_object_or_404(MatchBatch, pk=pk))
    messages.success(request, f"已推送 {pushed} 条")
    return redirect("policies:staff_batches")


@staff_only
def staff_payments(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _payment_post(request)
        return redirect("policies:staff_payments")
    orders = PaymentOrder.objects.select_related("policy", "profile")[:200]
    rows = [(o, mask_id_number(o.account) if o.account else "（无账户）") for o in orders]
    no_apply = Policy.objects.filter(status=PolicyStatus.PUBLISHED, mode="no_apply")
    return render(
        request,
        "policies/staff_payments.html",
        {"rows": rows, "policies": no_apply, "period": str(timezone.localdate().year),
         "pending": PaymentStatus.PENDING_REVIEW},
    )  # fmt: skip


def _payment_post(request: HttpRequest) -> None:
    action = request.POST.get("action")
    try:
        if action == "orders":
            policy = get_object_or_404(Policy, code=request.POST.get("policy", ""))
            created = services.create_payment_orders(
                policy, request.POST.get("period", ""), request.user
            )
            messages.success(request, f"新生成支付单 {created} 笔（已有的不会重复生成）")
        elif action in ("approve", "reject"):
            order = get_object_or_404(PaymentOrder, pk=request.POST.get("order"))
            services.review_payment(order, request.user, approve=action == "approve")
        elif action == "hand_over":
            export = services.hand_over(request.user)
            messages.success(
                request,
                f"已移交财政：{export.key}，{export.orders} 笔" if export else "没有待移交的支付单",
            )
    except services.PolicyActionError as exc:
        messages.error(request, str(exc))
