"""Demo data for the embedded platform: a few rated and unrated acts, so the rating page,
the staff pages and the public figures have something to show. Safe to run twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from govsvc.accounts.demo import DEMO_PASSWORD
from govsvc.accounts.models import StaffProfile, StaffRole
from govsvc.catalog.models import ServiceItem
from govsvc.directory.models import Department, HallWindow
from govsvc.evaluations import services
from govsvc.evaluations.models import Rating, ServiceAct

# (reference, department, window number at 武汉市民之家, level or None for unrated, text)
DEMO_ACTS = [
    ("DEMO-EV-01", "市人社局", "A02", "very_satisfied", "窗口一次讲清楚了"),
    ("DEMO-EV-02", "市人社局", "A04", "satisfied", ""),
    ("DEMO-EV-03", "市公安局", "A02", "basic", "排队时间有点长"),
    ("DEMO-EV-04", "市医保局", "A02", "dissatisfied", "材料要求和网上说的不一样"),
    ("DEMO-EV-05", "市市场监管局", "A01", "very_satisfied", ""),
    ("DEMO-EV-06", "市人社局", "A02", None, ""),
    ("DEMO-EV-07", "市公安局", "A02", None, ""),
]
SUPERVISOR = "ev_supervisor"


@dataclass(frozen=True)
class DemoAct:
    reference: str
    rate_path: str
    rated: bool


@transaction.atomic
def create_demo() -> list[DemoAct]:
    users = get_user_model()
    resident = users.objects.filter(username="resident").first()
    office = Department.objects.get(short_name="市政务服务局")
    supervisor, created = users.objects.get_or_create(
        username=SUPERVISOR, defaults={"first_name": "督办员"}
    )
    if created:
        supervisor.set_password(DEMO_PASSWORD)
        supervisor.save()
        StaffProfile.objects.create(user=supervisor, role=StaffRole.SUPERVISOR, department=office)

    shown = []
    for n, (reference, dept_name, window_no, level, text) in enumerate(DEMO_ACTS):
        department = Department.objects.get(short_name=dept_name)
        act = services.record_act(
            kind="case_completed",
            reference=reference,
            department=department,
            item=ServiceItem.objects.filter(department=department).order_by("pk").first(),
            window=HallWindow.objects.filter(hall__code="WH-CITY-01", number=window_no).first(),
            person=resident,
            person_name="张三",
            phone="13800138000",
            occurred_at=timezone.now() - dt.timedelta(hours=n),
        )
        if level and not Rating.objects.filter(act=act).exists():
            services.rate(act, level=level, channel="web", text=text, indicators=["efficiency"])
        shown.append(_shown(act))
    return shown


def _shown(act: ServiceAct) -> DemoAct:
    return DemoAct(act.reference, f"/evaluations/rate/{act.token}/", act.ratings.exists())
