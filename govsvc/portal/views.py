"""Resident and enterprise pages: home, search, bundle and item guides, browsing."""

from typing import Any

from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from govsvc.bundles.models import Audience, Bundle, BundleItem
from govsvc.bundles.savings import BUNDLE_STEPS, compute_savings, merged_materials
from govsvc.catalog.models import HANDLING_FORMS, RESULT_TYPES, ServiceItem, Status
from govsvc.directory.models import Department
from govsvc.search.engine import search

# Life events a resident recognises, and the stages of an enterprise's life cycle. A bundle's
# own life_event is matched to the first category whose keywords it contains.
PERSON_EVENTS: dict[str, tuple[str, ...]] = {
    "出生与婚育": ("出生", "结婚"),
    "上学与留学": ("入学", "留学"),
    "就业与创业": ("就业", "创业", "退役"),
    "社保与医疗": ("社会保障", "参保", "就医", "残疾", "生活困难"),
    "住房与出行": ("住房", "购房", "居住", "购车", "出行"),
    "消费补贴": ("消费",),
    "退休与身后": ("退休", "身后"),
}
ENTERPRISE_STAGES: dict[str, tuple[str, ...]] = {
    "开办准营": ("开办",),
    "投资建设": ("投资", "项目", "建设"),
    "经营发展": ("经营", "发展", "上市", "招聘", "人才", "员工"),
    "变更迁移": ("变更",),
    "注销退出": ("注销", "破产", "退出"),
}


def _bundles() -> Any:
    return Bundle.objects.prefetch_related("lead_departments").order_by("list_no")


def _group(
    bundles: list[Bundle], categories: dict[str, tuple[str, ...]]
) -> dict[str, list[Bundle]]:
    groups: dict[str, list[Bundle]] = {name: [] for name in categories}
    for bundle in bundles:
        name = next(
            (n for n, words in categories.items() if any(w in bundle.life_event for w in words)),
            "其他",
        )
        groups.setdefault(name, []).append(bundle)
    return {k: v for k, v in groups.items() if v}


def home(request: HttpRequest) -> HttpResponse:
    bundles = list(_bundles())
    return render(
        request,
        "portal/home.html",
        {
            "person_groups": _group(
                [b for b in bundles if b.audience == Audience.PERSON], PERSON_EVENTS
            ),
            "enterprise_groups": _group(
                [b for b in bundles if b.audience == Audience.ENTERPRISE], ENTERPRISE_STAGES
            ),
            "bundle_count": len(bundles),
            "item_count": ServiceItem.objects.filter(
                status=Status.PUBLISHED, base__isnull=True
            ).count(),
        },
    )


def _strong(hits: list[dict[str, Any]], keep: int, most: int) -> list[dict[str, Any]]:
    """The best hits, then those within reach of the best: a page of near-misses helps no one."""
    if not hits:
        return hits
    floor = 0.3 * hits[0]["score"]
    return [h for i, h in enumerate(hits[:most]) if i < keep or h["score"] >= floor]


def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = search(query, limit=20) if query else []
    template = "portal/_results.html" if request.headers.get("HX-Request") else "portal/search.html"
    return render(
        request,
        template,
        {
            "query": query,
            "bundles": _strong([r for r in results if r["kind"] == "bundle"], keep=3, most=6),
            "items": _strong([r for r in results if r["kind"] == "item"], keep=3, most=8),
        },
    )


def bundle_list(request: HttpRequest) -> HttpResponse:
    bundles = _bundles()
    audience = request.GET.get("audience", "")
    theme = request.GET.get("theme", "")
    dept = request.GET.get("department", "")
    if audience in Audience.values:
        bundles = bundles.filter(audience=audience)
    if dept:
        bundles = bundles.filter(
            Q(lead_departments__code=dept) | Q(departments__code=dept)
        ).distinct()
    bundle_list = list(bundles)
    if theme:
        bundle_list = [b for b in bundle_list if theme in b.themes or theme == b.life_event]
    all_themes = sorted({t for b in Bundle.objects.all() for t in b.themes})
    departments = Department.objects.filter(led_bundles__isnull=False).distinct().order_by("code")
    return render(
        request,
        "portal/bundle_list.html",
        {
            "bundles": bundle_list,
            "themes": all_themes,
            "departments": departments,
            "audience": audience,
            "theme": theme,
            "department": dept,
            "audiences": Audience.choices,
        },
    )


def bundle_detail(request: HttpRequest, list_no: int) -> HttpResponse:
    bundle = get_object_or_404(
        Bundle.objects.prefetch_related(
            "lead_departments",
            "departments",
            Prefetch(
                "bundle_items",
                queryset=BundleItem.objects.select_related("item__department").prefetch_related(
                    "depends_on__item", "item__implementations"
                ),
            ),
        ),
        list_no=list_no,
    )
    materials = merged_materials(bundle)
    return render(
        request,
        "portal/bundle_detail.html",
        {
            "bundle": bundle,
            "links": list(bundle.bundle_items.all()),
            "asked": [m for m in materials if m.asked],
            "not_asked": [m for m in materials if not m.asked],
            "savings": compute_savings(bundle),
            "bundle_steps": BUNDLE_STEPS,
        },
    )


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    qs = ServiceItem.objects.select_related("department", "region", "base").prefetch_related(
        "materials", "implementations__department", "bundle_links__bundle"
    )
    item = (
        qs.filter(implementation_code=code).first()
        if len(code) > 12
        else qs.filter(basic_code=code, base__isnull=True).first()
    )
    if item is None or item.status != Status.PUBLISHED:
        raise Http404("没有找到这个事项")
    bundles = [link.bundle for link in (item.base or item).bundle_links.all()]
    return render(
        request,
        "portal/item_detail.html",
        {
            "item": item,
            "forms": [HANDLING_FORMS.get(f, f) for f in item.forms],
            "result_type": RESULT_TYPES.get(item.result_type, ""),
            "bundles": bundles,
            "implementations": list(item.implementations.all()) if item.is_base else [],
        },
    )


def department_list(request: HttpRequest) -> HttpResponse:
    departments = (
        Department.objects.filter(items__isnull=False)
        .distinct()
        .select_related("region")
        .order_by("level", "code")
    )
    return render(request, "portal/department_list.html", {"departments": departments})


def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    dept = get_object_or_404(Department, code=code)
    items = ServiceItem.objects.filter(
        department=dept, status=Status.PUBLISHED, base__isnull=True
    ).order_by("basic_code")
    led = dept.led_bundles.order_by("list_no")
    cooperating = dept.cooperating_bundles.order_by("list_no")
    return render(
        request,
        "portal/department_detail.html",
        {"dept": dept, "items": items, "led": led, "cooperating": cooperating},
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        # API clients get the API's error shape, not a page.
        body = {"error": {"code": "not_found", "message": "没有这个接口或对象", "details": {}}}
        return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
    return render(
        request,
        "portal/error.html",
        {"title": "页面不存在", "message": str(exception) or "没有找到您要的页面。"},
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"error": {"code": "server_error", "message": "系统繁忙，请稍后再试", "details": {}}}
        return JsonResponse(body, status=500, json_dumps_params={"ensure_ascii": False})
    return render(
        request,
        "portal/error.html",
        {"title": "系统繁忙", "message": "系统暂时出了问题，请稍后再试，或拨打12345咨询。"},
        status=500,
    )
