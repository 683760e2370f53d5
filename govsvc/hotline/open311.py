"""Open311 GeoReport v2 on top of the hotline's tickets, JSON and XML.

Services are the matter categories; service requests are tickets. Requests are created
synchronously, so POST answers with a service_request_id at once; tokens still resolve
for clients that keep them. Creating requires an api_key (a platform API token, see
``manage.py issue_token``).

What the public sees: confidential tickets never appear; tickets that came by phone or
another non-public channel show a generic description, a masked address and coordinates
rounded to about 100 m. Requests posted through Open311 were meant to be public and show
as posted.

Beyond the specification, GET requests also filters by ``updated_after`` and
``updated_before`` (as Helsinki's and other cities' GeoReport servers do), so a client can
fetch only what changed since its last poll. Every date filter compares at the
resolution of the answer's timestamps (whole seconds), so what a filter lets through
always satisfies it as shown.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authtoken.models import Token

from govsvc.core.phones import InvalidPhone, normalize_phone
from govsvc.hotline import services
from govsvc.hotline.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Kind,
    Seat,
    Ticket,
    in_topic,
)
from govsvc.hotline.services import TransitionError

logger = logging.getLogger(__name__)

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-12-01T00:00:00+08:00"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000
DEFAULT_DAYS = 90

# The element name of each list member in XML answers, by the list's element name.
_XML_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering ------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(element, key, item)
    elif isinstance(value, list):
        child = _XML_ITEM.get(name, "item")
        for item in value:
            _xml_value(element, child, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(fmt: str, root: str, body: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        element = ET.Element(root)
        if isinstance(body, list):
            for item in body:
                _xml_value(element, _XML_ITEM[root], item)
        else:
            for key, value in body.items():
                _xml_value(element, key, value)
        text = ET.tostring(element, encoding="unicode")
        content = '<?xml version="1.0" encoding="UTF-8"?>\n' + text
    else:
        content = json.dumps(body, ensure_ascii=False)
    response = HttpResponse(content.encode("utf-8"), status=status, content_type=FORMATS[fmt])
    # A public API: browser apps on other sites may read it. Posting still needs an api_key.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(fmt: str, status: int, description: str) -> HttpResponse:
    fmt = fmt if fmt in FORMATS else "xml"
    return render(fmt, "errors", [{"code": status, "description": description}], status)


def endpoint(view: Any) -> Any:
    """Wrap a view: format check, Open311 errors, and no 500 reaching the client."""

    @csrf_exempt
    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return render_error("xml", 400, f"format '{fmt}' not supported; use json or xml")
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return render_error(fmt, exc.status, exc.description)
        except Exception:
            logger.exception("open311_failed path=%s", request.path)
            return render_error(fmt, 500, "internal error; please retry later")

    return wrapped


def _stamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


_EMPTY = object()  # a field given as empty (null in JSON, an empty element in XML)


def _drop_none(row: dict[str, Any]) -> dict[str, Any]:
    """The row without its unknown fields; fields marked _EMPTY stay, as None."""
    return {k: (None if v is _EMPTY else v) for k, v in row.items() if v is not None}


# --- discovery and services -----------------------------------------------------------


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    url = request.build_absolute_uri("/open311/v2/")
    body = {
        "changeset": CHANGESET,
        "contact": "武汉市12345政务服务便民热线 12345@wuhan.gov.cn",
        "key_service": "API keys are issued by the platform administrator (issue_token).",
        "endpoints": [
            {
                "specification": SPEC,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


def _service(category: Category) -> dict[str, Any]:
    group = Seat(category.seat).label if category.seat else "城市服务"
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}类诉求，由 12345 热线派单至承办部门办理。",
        "metadata": True,
        "type": "realtime",
        "keywords": category.name,
        "group": group,
    }


def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    rows = [_service(c) for c in Category.objects.filter(active=True).order_by("code")]
    return render(fmt, "services", rows)


def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code '{code}' not found")
    body = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "诉求类型，默认为投诉",
                "order": 1,
                "description": "诉求类型（咨询、求助、投诉、举报、建议、表扬）",
                "values": [{"key": k.value, "name": k.label} for k in Kind],
            }
        ],
    }
    return render(fmt, "service_definition", body)


# --- service requests ------------------------------------------------------------------


def _public(ticket: Ticket) -> bool:
    return ticket.channel == Channel.OPEN311


def _request_row(ticket: Ticket) -> dict[str, Any]:
    category = ticket.topic
    is_open = ticket.status in OPEN_STATUSES
    if _public(ticket):
        description = ticket.content
        address = ticket.address
        lat, long = ticket.latitude, ticket.longitude
    else:
        description = f"市民反映{category.name if category else ''}问题"
        address = ticket.masked_address
        lat = round(ticket.latitude, 3) if ticket.latitude is not None else None
        long = round(ticket.longitude, 3) if ticket.longitude is not None else None
    notes = ticket.get_status_display()
    if ticket.answer and not is_open:
        notes = ticket.answer
    return _drop_none(
        {
            "service_request_id": ticket.number,
            "status": "open" if is_open else "closed",
            "status_notes": notes,
            "service_name": category.name if category else "",
            "service_code": category.code if category else "",
            "description": description,
            "agency_responsible": ticket.department.name if ticket.department else "",
            "service_notice": "",
            "requested_datetime": _stamp(ticket.received_at),
            # Given even when empty (null): the specification lets both be empty, and
            # clients read them as always there.
            "updated_datetime": _stamp(ticket.updated_at) or _EMPTY,
            "expected_datetime": _stamp(ticket.deadline) or _EMPTY,
            "address": address,
            "address_id": "",
            "zipcode": "",
            "lat": lat,
            "long": long,
            # Left out rather than empty: clients that check it as a URL refuse "".
            "media_url": (ticket.media_url or None) if _public(ticket) else None,
        }
    )


def _visible() -> Any:
    return Ticket.objects.filter(confidential=False).select_related(
        "category", "proposed_category", "department"
    )


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _moment(name: str, value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value.replace(" ", "+"))
    if moment is None:
        day = parse_date(value)
        if day is not None:
            moment = dt.datetime.combine(day, dt.time())
    if moment is None:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2025-10-01T08:00:00Z")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _next_whole_second(moment: dt.datetime) -> dt.datetime:
    """The first whole second at or after the moment."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + dt.timedelta(seconds=1)


def _find_requests(params: Any) -> Iterable[Ticket]:
    tickets = _visible()
    ids = _split(params.get("service_request_id"))
    if ids:
        return tickets.filter(number__in=ids)[:MAX_RESULTS]

    codes = _split(params.get("service_code"))
    if codes:
        tickets = tickets.filter(in_topic("code__in", codes))  # the code each row shows
    start = _moment("start_date", params.get("start_date"))
    end = _moment("end_date", params.get("end_date"))
    if start is None and end is None:
        start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
    for field, after, before in (
        ("received_at", start, end),
        (
            "updated_at",
            _moment("updated_after", params.get("updated_after")),
            _moment("updated_before", params.get("updated_before")),
        ),
    ):
        # Shown timestamps are whole seconds: a row passes when its shown value does.
        if after is not None:
            tickets = tickets.filter(**{f"{field}__gte": _next_whole_second(after)})
        if before is not None:
            whole = before.replace(microsecond=0)
            tickets = tickets.filter(**{f"{field}__lt": whole + dt.timedelta(seconds=1)})
    wanted = set(_split(params.get("status")))
    if wanted - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both (comma separated)")
    if wanted == {"open"}:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif wanted == {"closed"}:
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    return tickets.order_by("-received_at")[:MAX_RESULTS]


def _post_params(request: HttpRequest) -> Any:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise Open311Error(400, "request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise Open311Error(400, "request body must be a JSON object")
        return data
    return request.POST


def _float(params: Any, name: str, low: float, high: float) -> float | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise Open311Error(400, f"{name} must be a number") from exc
    if not low <= value <= high:
        raise Open311Error(400, f"{name} out of range")
    return value


def _phone(params: Any) -> str:
    raw = str(params.get("phone") or "").strip()
    if not raw:
        return ""
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        area = settings.CITY_AREA_CODE
        raise Open311Error(
            400,
            "phone must be a number that can be called back, such as 13800001234 or "
            f"027-85550000; one without an area code is taken to be in area {area}",
        ) from exc


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = _post_params(request)

    # Who is posting: an API key issued by the platform.
    key = str(params.get("api_key") or request.GET.get("api_key") or "").strip()
    token = Token.objects.select_related("user").filter(key=key).first() if key else None
    if token is None or not token.user.is_active:
        raise Open311Error(403, "api_key missing or invalid")

    code = str(params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code '{code}' not found")

    lat = _float(params, "lat", -90, 90)
    long = _float(params, "long", -180, 180)
    address = str(params.get("address_string") or "").strip()[:255]
    address_id = str(params.get("address_id") or "").strip()
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat and long must be given together")
    if lat is None and not address and not address_id:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )

    kind = str(params.get("attribute[kind]") or Kind.COMPLAINT)
    if kind not in Kind.values:
        raise Open311Error(400, "attribute[kind] must be one of " + ", ".join(Kind.values))
    phone = _phone(params)
    description = str(params.get("description") or "").strip()[:4000] or category.name
    name = " ".join(str(params.get(p) or "").strip() for p in ("last_name", "first_name")).strip()
    intake = services.Intake(
        content=description,
        kind=kind,
        channel=Channel.OPEN311,
        caller_name=name[:64],
        caller_phone=phone,
        caller_email=str(params.get("email") or "").strip()[:254],
        address=address or (f"address_id {address_id}" if address_id else ""),
        latitude=lat,
        longitude=long,
    )
    try:
        ticket = services.receive(intake, actor=token.user)
    except TransitionError as exc:
        raise Open311Error(400, exc.message) from exc

    media_url = str(params.get("media_url") or "").strip()
    if media_url.startswith(("http://", "https://")):
        Ticket.objects.filter(pk=ticket.pk).update(media_url=media_url[:500])
    if ticket.category_id is None:
        Ticket.objects.filter(pk=ticket.pk).update(category=category, seat=category.seat)

    body = [
        {
            "service_request_id": ticket.number,
            "service_notice": "已受理，12345 热线将按时限办理并答复。",
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body)


def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    rows = [_request_row(t) for t in _find_requests(request.GET)]
    return render(fmt, "service_requests", rows)


def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    ticket = _visible().filter(number=request_id).first()
    if ticket is None:
        raise Open311Error(404, f"service_request_id '{request_id}' not found")
    return render(fmt, "service_requests", [_request_row(ticket)])


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    """Any other address under /open311/v2/ answers in the Open311 error shape."""
    fmt = "json" if path.lower().endswith(".json") else "xml"
    return render_error(fmt, 404, f"no such resource: {path}")


def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, "method not allowed")
    ticket = None
    try:
        ticket = _visible().filter(token=token).first()
    except Exception:  # not a UUID: treat as unknown
        ticket = None
    if ticket is None:
        raise Open311Error(404, f"token '{token}' not found")
    body = [{"service_request_id": ticket.number, "token": str(ticket.token)}]
    return render(fmt, "service_requests", body)
