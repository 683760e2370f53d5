"""Server-rendered pages: the citizen's form, the agent's fast entry, tickets, dashboard.

Views are thin: validate a form, call one function of ``services``, redirect. Pages work
without JavaScript and on a phone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from govsvc.core.phones import PhoneField
from govsvc.directory.models import Department, Region, RegionLevel
from govsvc.hotline import analysis, attachments, services, tracking
from govsvc.hotline.api import can_see_caller, run_action
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
from govsvc.hotline.services import OFFICER, TransitionError

# --- forms --------------------------------------------------------------------------------


def _region_choices() -> QuerySet[Region]:
    return Region.objects.filter(
        level__in=[RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY]
    ).order_by("code")


class RegionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        indent = {"district": "", "street": "　", "community": "　　"}.get(obj.level, "")
        return f"{indent}{obj.name}"


class CitizenForm(forms.Form):
    content = forms.CharField(
        label="您要反映的问题", max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    kind = forms.ChoiceField(label="诉求类型", choices=Kind.choices, initial=Kind.COMPLAINT)
    caller_name = forms.CharField(label="姓名", max_length=64, required=False)
    caller_phone = PhoneField(label="联系电话", required=False)
    region = RegionField(
        label="所在区域",
        queryset=Region.objects.none(),
        required=False,
        empty_label="请选择（不清楚可不选）",
    )
    address = forms.CharField(label="详细地址", max_length=255, required=False)
    confidential = forms.BooleanField(label="请为我保密", required=False)
    attachment = forms.FileField(label="附件（图片或 PDF，不超过 5 MB）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _region_choices()  # type: ignore[attr-defined]

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        problem = attachments.problem(upload) if upload is not None else None
        if problem:
            raise forms.ValidationError(problem)
        return upload


class AgentForm(CitizenForm):
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    emergency_line = forms.ChoiceField(
        label="涉及紧急警情（转接）", choices=[("", "否"), *EmergencyLine.choices], required=False
    )
    field_order = [
        "caller_phone", "caller_name", "content", "kind", "urgency", "region", "address",
        "confidential", "emergency_line", "attachment",
    ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The agent types what the caller says; the citizen form speaks to the caller.
        self.fields["content"].label = "诉求内容"
        self.fields["caller_name"].label = "来电人姓名"


class ActionForm(forms.Form):
    department = forms.ModelChoiceField(
        label="承办部门", queryset=Department.objects.all(), required=False
    )
    category = forms.ModelChoiceField(
        label="诉求分类", queryset=Category.objects.filter(active=True), required=False
    )
    reason = forms.CharField(label="理由", max_length=255, required=False)
    text = forms.CharField(label="答复内容", required=False, widget=forms.Textarea)
    note = forms.CharField(label="说明", max_length=500, required=False)
    workdays = forms.IntegerField(label="延期工作日", required=False, min_value=1, max_value=30)
    resolved = forms.NullBooleanField(label="是否解决", required=False)
    satisfaction = forms.ChoiceField(
        label="评价", choices=[("", "—"), *Satisfaction.choices], required=False
    )
    line = forms.ChoiceField(label="紧急热线", choices=[("", "—"), *EmergencyLine.choices],
                             required=False)  # fmt: skip
    into = forms.CharField(label="主工单编号", max_length=32, required=False)


# --- helpers ------------------------------------------------------------------------------


def _require_staff(request: HttpRequest) -> None:
    if not services.is_hotline_staff(request.user):
        raise PermissionDenied("仅 12345 热线工作人员和承办部门可以查看工单。")


def _visible(request: HttpRequest) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("category", "department", "proposed_category")
    user = request.user
    if not user.is_superuser and services.role_of(user) == OFFICER:
        department_id = user.staff_profile.department_id  # type: ignore[union-attr]
        tickets = tickets.filter(department_id=department_id or 0)
    return tickets


def _intake(form: forms.Form, channel: str) -> services.Intake:
    data = form.cleaned_data
    return services.Intake(
        content=data["content"],
        kind=data["kind"],
        channel=channel,
        urgency=data.get("urgency") or Urgency.NORMAL,
        confidential=data["confidential"],
        caller_name=data["caller_name"],
        caller_phone=data["caller_phone"],
        address=data["address"],
        region=data["region"],
        attachments=[data["attachment"]] if data.get("attachment") else [],
    )


# --- citizen --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The portal and mobile form: anyone may report; the answer shows the ticket number."""
    form = CitizenForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        mobile = "Mobile" in request.headers.get("User-Agent", "")
        channel = Channel.MOBILE if mobile else Channel.WEB
        try:
            ticket = services.receive(_intake(form, channel))
        except TransitionError as exc:
            form.add_error(None, exc.message)
        else:
            return render(request, "hotline/submitted.html", {"ticket": ticket})
    return render(request, "hotline/submit.html", {"form": form})


class TrackForm(forms.Form):
    number = forms.CharField(label="工单编号", max_length=32)
    phone = forms.CharField(
        label="联系电话",
        max_length=32,
        required=False,
        help_text="反映时留的电话；未留电话的工单只能查看办理进度。",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """工单查询: by number and phone, posted so the phone never sits in a URL or a log."""
    form = TrackForm(request.POST or None)
    found = None
    if request.method == "POST" and form.is_valid():
        found = tracking.find(form.cleaned_data["number"], form.cleaned_data["phone"])
        if found is None:
            form.add_error(None, "没有找到这个工单，请核对工单编号和反映时留的联系电话。")
    return render(request, "hotline/track.html", {"form": form, "found": found})


# --- agent ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """话务快速录入: one screen, keyboard order; the proposal appears on the next page."""
    if not services.takes_calls(request.user):
        raise PermissionDenied("仅话务员可以录入来电工单。")
    form = AgentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.receive(_intake(form, Channel.PHONE), actor=request.user)
            line = form.cleaned_data["emergency_line"]
            if line:
                services.transfer_emergency(ticket, actor=request.user, line=line)
        except TransitionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已受理工单 {ticket.number}")
            if "another" in request.POST:
                return redirect("hotline:intake")
            return redirect("hotline:ticket", number=ticket.number)
    return render(request, "hotline/intake.html", {"form": form})


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    tickets = _visible(request)
    status = request.GET.get("status", "")
    seat = request.GET.get("seat", "")
    if status in Status.values:
        tickets = tickets.filter(status=status)
    if seat in Seat.values:
        tickets = tickets.filter(seat=seat)
    page = Paginator(tickets, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": Status.choices,
        "seats": Seat.choices,
        "status": status,
        "seat": seat,
    }
    return render(request, "hotline/ticket_list.html", context)


@login_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    _require_staff(request)
    ticket = get_object_or_404(_visible(request), number=number)
    allowed = services.allowed_actions(ticket, request.user)
    allowed.sort(key=lambda name: name != services.NEXT_STEP.get(ticket.status))  # stable
    context = {
        "ticket": ticket,
        "full": can_see_caller(request.user, ticket),
        "events": [
            (event, services.event_label(event.action), services.status_label(event.to_status))
            for event in ticket.events.select_related("actor")
        ],
        "actions": [(name, services.ACTIONS[name].label) for name in allowed],
        "form": ActionForm(
            initial={
                "category": ticket.topic,
                "department": ticket.department or ticket.proposed_department,
            }
        ),
        "children": ticket.merged_children.all(),
        "caller_messages": ticket.caller_messages.all(),
        # Shown to whoever may merge: the duplicates an agent would otherwise search for.
        "duplicates": analysis.duplicate_candidates(ticket) if "merge" in allowed else [],
    }
    return render(request, "hotline/ticket_detail.html", context)


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    _require_staff(request)
    ticket = get_object_or_404(_visible(request), number=number)
    form = ActionForm(request.POST)
    if action not in services.ACTIONS:
        messages.error(request, f"未知的操作：{action}")
    elif not form.is_valid():
        problems = [
            f"{form.fields[name].label}：{' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        ]
        messages.error(request, "提交的内容有误：" + "；".join(problems))
    else:
        values = {**form.cleaned_data, "workdays": form.cleaned_data["workdays"] or 0}
        try:
            run_action(action, ticket, request.user, values)
        except TransitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已{services.ACTIONS[action].label}")
    return redirect("hotline:ticket", number=number)


# --- dashboard ----------------------------------------------------------------------------


def _bars(rows: list[tuple[Any, int]]) -> list[dict[str, Any]]:
    top = max((n for _, n in rows), default=0) or 1
    return [
        {
            "label": label,
            "count": n,
            "percent": round(100 * n / top),
            "x": i * 10,
            "y": 100 - round(100 * n / top),
        }
        for i, (label, n) in enumerate(rows)
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    now = timezone.now()
    since = now - dt.timedelta(days=30)
    daily = analysis.daily_volumes(since, now)
    context = {
        "rates": analysis.rates(since),
        "chart_width": max(len(daily), 1) * 10,
        "daily": _bars([(day.strftime("%m-%d"), n) for day, n in daily]),
        "daily_peak": max((n for _, n in daily), default=0),
        "by_category": _bars(analysis.volumes_by("category", since)),
        "by_district": _bars(analysis.volumes_by("district", since)),
        "topics": analysis.hot_topics(now),
        "alerts": Alert.objects.filter(acknowledged=False).prefetch_related("tickets")[:20],
        "forecasts": analysis.seasonal_forecast(now),
    }
    return render(request, "hotline/dashboard.html", context)
