"""Pages: the resident's rating page (phone first, no JavaScript needed), the 办不成事 form,
staff pages for rectifications, appeals and the desk, and the public statistics page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from govsvc.core.masking import mask_name, mask_phone
from govsvc.core.models import AuditRecord
from govsvc.directory.models import HallWindow
from govsvc.evaluations import desk, exports, rectifications, services, stats
from govsvc.evaluations.forms import (
    PAGE_CHANNELS,
    DeskActionForm,
    DeskForm,
    FollowUpForm,
    RatingForm,
    RectificationActionForm,
)
from govsvc.evaluations.machine import TransitionError, role_of
from govsvc.evaluations.models import (
    DeskStatus,
    Rating,
    RectificationStatus,
    ServiceAct,
)

View = Callable[..., HttpResponse]
# A pad offers the visit served at its window within this many hours.
PAD_WINDOW_HOURS = 2


def staff_only(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_superuser or role_of(user)):
            raise PermissionDenied("仅限工作人员")
        return view(request, *args, **kwargs)

    return wrapped


def _channel(request: HttpRequest) -> str:
    channel = request.GET.get("channel") or request.POST.get("channel") or "web"
    return channel if channel in PAGE_CHANNELS else "web"


# --- resident -------------------------------------------------------------------------


def rate(request: HttpRequest, token: str) -> HttpResponse:
    act = get_object_or_404(ServiceAct.objects.select_related("item", "department"), token=token)
    rating = Rating.objects.filter(act=act).select_related("follow_up").first()
    channel = _channel(request)
    if rating is not None:
        return _rated_page(request, act, rating, FollowUpForm(initial={"channel": channel}))

    form = RatingForm(request.POST or None, initial={"channel": channel})
    if request.method == "POST" and form.is_valid():
        try:
            services.rate(
                act,
                level=form.cleaned_data["level"],
                channel=form.cleaned_data["channel"],
                indicators=form.cleaned_data["indicators"],
                text=form.cleaned_data["text"],
                anonymous=form.cleaned_data["anonymous"],
                # A window pad may be left signed in as the clerk; the person is not them.
                rater=None if channel == "window_pad" else request.user,
            )
        except TransitionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "感谢您的评价！")
            return redirect(f"{request.path}?channel={channel}")
    return render(request, "evaluations/rate.html", {"act": act, "form": form})


def _rated_page(
    request: HttpRequest, act: ServiceAct, rating: Rating, follow_form: FollowUpForm
) -> HttpResponse:
    context = {"act": act, "rating": rating, "follow_form": follow_form}
    return render(request, "evaluations/rated.html", context)


def window_pad(request: HttpRequest, window_pk: int) -> HttpResponse:
    """The pad at a window shows the rating form of the visit just served there, if any."""
    window = get_object_or_404(HallWindow.objects.select_related("hall"), pk=window_pk)
    since = timezone.now() - dt.timedelta(hours=PAD_WINDOW_HOURS)
    act = (
        ServiceAct.objects.filter(window=window, occurred_at__gte=since, ratings__isnull=True)
        .order_by("-occurred_at", "-id")
        .first()
    )
    if act is not None:
        return redirect(f"{reverse('evaluations:rate', args=[act.token])}?channel=window_pad")
    return render(request, "evaluations/pad_idle.html", {"window": window})


@require_POST
def follow_up(request: HttpRequest, token: str) -> HttpResponse:
    act = get_object_or_404(ServiceAct, token=token)
    rating = get_object_or_404(Rating, act=act)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up(
                rating,
                text=form.cleaned_data["text"],
                channel=form.cleaned_data["channel"],
                rater=request.user,
            )
        except TransitionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "追评已提交。")
            return redirect("evaluations:rate", token=token)
    return _rated_page(request, act, rating, form)


def desk_new(request: HttpRequest) -> HttpResponse:
    form = DeskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            req = desk.open_request(
                title=data["title"],
                description=data["description"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                person=request.user,
                failed_department=data["failed_department"],
                reference=data["reference"],
            )
        except TransitionError as exc:
            form.add_error(None, exc.message)
        else:
            return render(request, "evaluations/desk_done.html", {"req": req})
    return render(request, "evaluations/desk_new.html", {"form": form})


def public_stats(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by", "department")
    by = by if by in stats.DIMENSIONS else "department"
    try:
        period = stats.parse_period(request.GET.get("period", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
        period = stats.parse_period("")
    period_text = request.GET.get("period", "")
    choices = stats.recent_periods(timezone.localdate())
    if period_text not in dict(choices):
        choices.append((period_text, period.label))
    context = {
        "period": period,
        "period_text": period_text,
        "period_choices": choices,
        "by": by,
        "dimensions": stats.DIMENSIONS,
        "by_label": stats.DIMENSIONS[by],
        "overall": stats.overall(period),
        "summary": stats.rectification_summary(period),
        "rows": stats.satisfaction(by, period),
    }
    return render(request, "evaluations/stats.html", context)


def export_stats(request: HttpRequest) -> HttpResponse:
    try:
        period = stats.parse_period(request.GET.get("period", ""))
    except ValueError:
        period = stats.parse_period("")
    response = HttpResponse(
        exports.workbook(period),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"evaluations-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- staff ----------------------------------------------------------------------------


@staff_only
def rectification_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rects = rectifications.visible_to(request.user).select_related("rating__act__department")
    if status in RectificationStatus.values:
        rects = rects.filter(status=status)
    escalated = request.GET.get("escalated") == "1"
    if escalated:
        rects = rects.exclude(escalation_stage="")
    context = {
        "escalated": escalated,
        "rects": rects[:200],
        "status": status,
        "statuses": RectificationStatus.choices,
        "today": timezone.localdate(),
        "title": "差评整改",
    }
    return render(request, "evaluations/staff_rectifications.html", context)


@staff_only
def appeal_list(request: HttpRequest) -> HttpResponse:
    rects = rectifications.visible_to(request.user).filter(status=RectificationStatus.APPEALED)
    context = {
        "rects": rects,
        "status": RectificationStatus.APPEALED,
        "statuses": RectificationStatus.choices,
        "today": timezone.localdate(),
        "title": "申诉复核",
    }
    return render(request, "evaluations/staff_rectifications.html", context)


def _history(obj: Any) -> list[AuditRecord]:
    return list(
        AuditRecord.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("at", "id")
    )


@staff_only
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rect = get_object_or_404(rectifications.visible_to(request.user), pk=pk)
    rating = rect.rating
    context = {
        "rect": rect,
        "rating": rating,
        "act": rating.act,
        "phone": "" if rating.anonymous else rating.act.phone_masked,
        "allowed": rectifications.allowed_actions(rect, request.user),
        "history": _history(rect),
        "today": timezone.localdate(),
    }
    return render(request, "evaluations/staff_rectification.html", context)


@staff_only
@require_POST
def rectification_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    rect = get_object_or_404(rectifications.visible_to(request.user), pk=pk)
    call = rectifications.CALLS.get(name)
    form = RectificationActionForm(request.POST)
    if call is None or not form.is_valid():
        messages.error(request, "操作无效。")
    else:
        try:
            call(rect, request.user, form.cleaned_data)
        except TransitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办理。")
    return redirect("evaluations:rectification_detail", pk=pk)


@staff_only
def desk_list(request: HttpRequest) -> HttpResponse:
    reqs = desk.visible_requests(request.user).select_related("failed_department")
    rows = [(r, mask_name(r.contact_name), mask_phone(r.contact_phone)) for r in reqs[:200]]
    context = {"rows": rows, "today": timezone.localdate(), "statuses": DeskStatus}
    return render(request, "evaluations/staff_desk_list.html", context)


@staff_only
def desk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visible = desk.visible_requests(request.user).prefetch_related("departments")
    req = get_object_or_404(visible, pk=pk)
    staff = get_user_model().objects.filter(staff_profile__isnull=False, is_active=True)
    context = {
        "req": req,
        "contact_name": mask_name(req.contact_name),
        "contact_phone": mask_phone(req.contact_phone),
        "allowed": desk.allowed_actions(req, request.user),
        "history": _history(req),
        "staff": staff.order_by("username")[:200],
        "departments": DeskActionForm().fields["departments"].queryset,  # type: ignore[attr-defined]
    }
    return render(request, "evaluations/staff_desk.html", context)


@staff_only
@require_POST
def desk_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    req = get_object_or_404(desk.visible_requests(request.user), pk=pk)
    call = desk.CALLS.get(name)
    form = DeskActionForm(request.POST)
    if call is None or not form.is_valid():
        messages.error(request, "操作无效，请检查填写内容。")
    else:
        data = dict(form.cleaned_data)
        data["departments"] = [d.pk for d in data.get("departments") or []]
        try:
            call(req, request.user, data)
        except TransitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已办理。")
    return redirect("evaluations:desk_detail", pk=pk)
