"""Every Open311 answer, JSON and XML, against the GeoReport v2 schemas in georeport_v2/.

The XML answer is read into the JSON shape by following the schema: an array's members
must be elements named by the schema's `xml` note, an object's members are child
elements, and scalars are converted by the schema's type. The result must then pass the
same schema as the JSON answer, and must equal it.
"""

# ruff: noqa: S314 - the XML parsed here is our own answer, not untrusted input

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from govsvc.hotline.models import Category, Status, Ticket

from .conftest import new_ticket

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
SCHEMAS = Path(__file__).parent / "georeport_v2"


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def xml_to_json(element: ET.Element, node: dict[str, Any], root: dict[str, Any]) -> Any:
    node = resolve(node, root)
    kind = node.get("type", "string")
    kinds = kind if isinstance(kind, list) else [kind]

    if "array" in kinds:
        item = resolve(node["items"], root)
        name = item["xml"]["name"]
        assert [child.tag for child in element] == [name] * len(element), (
            f"<{element.tag}> must hold only <{name}> elements"
        )
        return [xml_to_json(child, item, root) for child in element]

    if "object" in kinds:
        tags = [child.tag for child in element]
        assert len(tags) == len(set(tags)), f"<{element.tag}> repeats a child: {tags}"
        properties = node.get("properties", {})
        return {
            child.tag: xml_to_json(child, properties.get(child.tag, {}), root) for child in element
        }

    assert len(element) == 0, f"<{element.tag}> should hold text, not elements"
    text = element.text
    if text is None and "null" in kinds:
        return None
    text = text or ""
    if "boolean" in kinds:
        assert text in {"true", "false"}, f"<{element.tag}> is not a boolean: {text!r}"
        return text == "true"
    if "integer" in kinds:
        return int(text)
    if "number" in kinds:
        return float(text)
    return text


def check(client: Client, path: str, name: str, query: str = "", **post: str) -> Any:
    """Fetch the JSON and the XML answer, validate both, and return the JSON body."""
    spec = schema(name)
    answers = {}
    for fmt in ("json", "xml"):
        url = f"{BASE}/{path}.{fmt}" + (f"?{query}" if query else "")
        response = client.post(url, post) if post else client.get(url)
        assert response.status_code == 200, (url, response.content)
        expected_type = "application/json" if fmt == "json" else "text/xml"
        assert response["Content-Type"].startswith(expected_type)
        if fmt == "json":
            body = response.json()
        else:
            element = ET.fromstring(response.content)
            assert element.tag == spec["xml"]["name"]
            body = xml_to_json(element, spec, spec)
        jsonschema.validate(body, spec, format_checker=jsonschema.FormatChecker())
        assert response["Access-Control-Allow-Origin"] == "*"
        answers[fmt] = body

    if not post:  # two POSTs make two tickets, so only GET answers can be compared
        assert answers["xml"] == answers["json"]
    return answers["json"]


@pytest.fixture
def api_key(db) -> str:
    return Token.objects.create(user=User.objects.create(username="civic_app")).key


def test_the_schemas_themselves_are_valid_json_schema():
    for path in SCHEMAS.glob("*.json"):
        jsonschema.Draft202012Validator.check_schema(schema(path.stem))


def test_discovery_services_and_every_service_definition(db):
    client = Client()
    check(client, "discovery", "discovery")

    services = check(client, "services", "services")

    assert {s["service_code"] for s in services} == set(
        Category.objects.filter(active=True).values_list("code", flat=True)
    )
    for service in services:
        check(client, f"services/{service['service_code']}", "service_definition")


def test_posted_requests_and_every_way_of_reading_them(api_key, places):
    client = Client()
    created = check(
        client, "requests", "request_created",
        api_key=api_key, service_code="urban", lat="30.5501", long="114.3101",
        address_string="武昌区和平大道100号", description="和平大道井盖缺失",
        first_name="三", last_name="张", email="z@example.org", phone="13812345678",
        media_url="https://example.org/p.jpg", **{"attribute[kind]": "report"},
    )  # fmt: skip
    check(client, "requests", "request_created", api_key=api_key, service_code="housing",
          address_id="A-17")  # fmt: skip
    posted = Ticket.objects.get(number=created[0]["service_request_id"])
    phoned = new_ticket(places, latitude=30.550123, longitude=114.310456)
    closed = new_ticket(places, content="小区路灯不亮")
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED, answer="已修复路灯。")

    listed = check(client, "requests", "service_requests")
    assert {posted.number, phoned.number, closed.number} <= {
        r["service_request_id"] for r in listed
    }
    for query in (
        "status=open",
        "status=closed",
        "status=open,closed&service_code=urban,housing",
        "start_date=2020-01-01T00:00:00Z&end_date=2099-01-01T00:00:00%2B08:00",
        f"service_request_id={posted.number},{closed.number}",
        "jurisdiction_id=wuhan.gov.cn",
    ):
        check(client, "requests", "service_requests", query=query)
    for ticket in (posted, phoned, closed):
        [row] = check(client, f"requests/{ticket.number}", "service_requests")
        assert row["service_request_id"] == ticket.number
    [token] = check(client, f"tokens/{posted.token}", "token")
    assert token["service_request_id"] == posted.number


@pytest.mark.parametrize(
    ("path", "status", "post"),
    [
        ("services/nope", 404, {}),
        ("requests/NOPE", 404, {}),
        ("tokens/not-a-token", 404, {}),
        ("requests?status=lost", 400, {}),
        ("requests", 403, {"service_code": "urban", "lat": "30", "long": "114"}),
        ("requests", 400, {"api_key": "KEY", "service_code": "urban"}),
        ("requests", 404, {"api_key": "KEY", "service_code": "nope", "lat": "30", "long": "1"}),
        ("no/such/thing", 404, {}),
        ("no/such/thing", 404, {"api_key": "KEY"}),
    ],
)
def test_every_error_is_a_list_of_code_and_description(api_key, path, status, post):
    post = {k: (api_key if v == "KEY" else v) for k, v in post.items()}
    client = Client()
    for fmt in ("json", "xml"):
        base, _, query = path.partition("?")
        url = f"{BASE}/{base}.{fmt}" + (f"?{query}" if query else "")
        response = client.post(url, post) if post else client.get(url)
        assert response.status_code == status
        spec = schema("errors")
        if fmt == "json":
            body = response.json()
        else:
            element = ET.fromstring(response.content)
            assert element.tag == "errors"
            body = xml_to_json(element, spec, spec)
        jsonschema.validate(body, spec)
        assert body[0]["code"] == status


def test_a_wrong_method_is_a_405_in_the_error_shape(db):
    client = Client()
    for path in ("discovery", "services", "services/urban", "requests/X", "tokens/X"):
        for fmt in ("json", "xml"):
            response = client.put(f"{BASE}/{path}.{fmt}")
            assert response.status_code == 405, path
            body = (
                response.json()
                if fmt == "json"
                else xml_to_json(ET.fromstring(response.content), schema("errors"), {})
            )
            jsonschema.validate(body, schema("errors"))
