"""Open311 GeoReport v2: discovery, services, definitions, requests, tokens; JSON and XML."""

# ruff: noqa: S314 - the XML parsed here is our own answer, not untrusted input

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from govsvc.hotline.models import Ticket

from .conftest import new_ticket

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def api_key(db) -> str:
    user = User.objects.create(username="civic_app")
    return Token.objects.create(user=user).key


def post_request(client: Client, fmt: str = "json", **params):
    return client.post(f"{BASE}/requests.{fmt}", params)


def test_discovery_in_json_and_xml(db):
    client = Client()
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in body["endpoints"][0]["formats"]

    xml = client.get(f"{BASE}/discovery.xml")
    assert xml["Content-Type"].startswith("text/xml")
    assert xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


def test_services_and_a_service_definition(db):
    client = Client()
    services = client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"urban", "housing", "labour"} <= codes
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in services)

    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and len(root.findall("service")) == len(services)

    definition = client.get(f"{BASE}/services/urban.json").json()
    assert definition["service_code"] == "urban"
    assert definition["attributes"][0]["values"][0] == {"key": "consult", "name": "咨询"}
    root = ET.fromstring(client.get(f"{BASE}/services/urban.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "consult"

    missing = client.get(f"{BASE}/services/nope.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "service_code 'nope' not found"}]


def test_post_a_request_then_read_it_back(api_key):
    client = Client()
    created = post_request(
        client, api_key=api_key, service_code="urban", lat="30.5501", long="114.3101",
        description="和平大道井盖缺失", first_name="三", last_name="张", phone="13812345678",
        media_url="https://example.org/p.jpg",
    )  # fmt: skip
    assert created.status_code == 200, created.content
    request_id = created.json()[0]["service_request_id"]
    ticket = Ticket.objects.get(number=request_id)
    assert ticket.channel == "open311" and ticket.caller_name == "张 三"

    [row] = client.get(f"{BASE}/requests/{request_id}.json").json()
    assert row["status"] == "open" and row["service_code"] in {"urban", ticket.category.code}
    assert row["lat"] == 30.5501 and row["media_url"] == "https://example.org/p.jpg"
    assert row["requested_datetime"].endswith("+08:00")

    root = ET.fromstring(client.get(f"{BASE}/requests/{request_id}.xml").content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == request_id

    listed = client.get(f"{BASE}/requests.json?status=open&service_code=urban").json()
    assert [r["service_request_id"] for r in listed] == [request_id]

    [token] = client.get(f"{BASE}/tokens/{ticket.token}.json").json()
    assert token == {"service_request_id": request_id, "token": str(ticket.token)}


def test_post_in_xml(api_key):
    response = post_request(
        Client(), "xml", api_key=api_key, service_code="utilities", address_string="武昌区积玉桥"
    )
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"service_code": "urban", "lat": "30", "long": "114"}, 403, "api_key"),
        ({"api_key": "wrong", "service_code": "urban", "lat": "30", "long": "114"}, 403, "api_key"),
        ({"service_code": "", "lat": "30", "long": "114"}, 400, "service_code is required"),
        ({"service_code": "nope", "lat": "30", "long": "114"}, 404, "not found"),
        ({"service_code": "urban"}, 400, "location"),
        ({"service_code": "urban", "lat": "north", "long": "114"}, 400, "lat must be a number"),
        ({"service_code": "urban", "lat": "30"}, 400, "together"),
        ({"service_code": "urban", "lat": "30", "long": "114", "attribute[kind]": "x"}, 400,
         "attribute[kind]"),
    ],
)  # fmt: skip
def test_post_errors_follow_the_open311_error_format(api_key, params, status, text):
    if "api_key" not in params and status != 403:
        params = {**params, "api_key": api_key}
    response = post_request(Client(), **params)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and text in error["description"]

    xml = post_request(Client(), "xml", **params)
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error/code").text == str(status)


def test_a_posted_phone_must_be_one_that_can_be_called_back(api_key):
    params = {"api_key": api_key, "service_code": "urban", "address_string": "武昌区积玉桥"}
    refused = post_request(Client(), **params, phone="12345")
    assert refused.status_code == 400
    [error] = refused.json()
    assert error["code"] == 400 and error["description"].startswith("phone must be a number")
    assert not Ticket.objects.exists()

    created = post_request(Client(), **params, phone="8555 0000")
    assert created.status_code == 200, created.content
    ticket = Ticket.objects.get(number=created.json()[0]["service_request_id"])
    assert ticket.caller_phone == "027-85550000"


def test_confidential_and_phone_tickets_keep_their_secrets(places):
    secret = new_ticket(places, confidential=True)
    phoned = new_ticket(places, latitude=30.550123, longitude=114.310456)
    client = Client()

    assert client.get(f"{BASE}/requests/{secret.number}.json").status_code == 404
    [row] = client.get(f"{BASE}/requests/{phoned.number}.json").json()
    assert "拖欠" not in row["description"] and "13812345678" not in str(row)
    assert row["lat"] == 30.55 and row["address"].endswith("****")


def test_a_phone_ticket_is_found_by_the_code_it_shows(places):
    # Not yet dispatched: the code shown is the classifier's proposal.
    phoned = new_ticket(places)
    assert phoned.category is None and phoned.proposed_category is not None
    client = Client()
    [row] = client.get(f"{BASE}/requests/{phoned.number}.json").json()
    code = row["service_code"]
    assert code == phoned.proposed_category.code
    listed = client.get(f"{BASE}/requests.json", {"service_code": code}).json()
    assert [r["service_request_id"] for r in listed] == [phoned.number]
    others = [c for c in ("labour", "urban") if c != code]
    assert client.get(f"{BASE}/requests.json", {"service_code": others[0]}).json() == []


def test_unknown_times_are_given_empty_not_left_out(places):
    ticket = new_ticket(places)
    assert ticket.deadline is None
    client = Client()
    [row] = client.get(f"{BASE}/requests/{ticket.number}.json").json()
    assert row["expected_datetime"] is None and row["updated_datetime"]
    root = ET.fromstring(client.get(f"{BASE}/requests/{ticket.number}.xml").content)
    element = root.find("request/expected_datetime")
    assert element is not None and element.text is None


def test_date_filters_agree_with_the_whole_seconds_shown(places):
    ticket = new_ticket(places)
    received = timezone.localtime().replace(microsecond=700_000) - dt.timedelta(days=1)
    updated = received + dt.timedelta(hours=5)
    Ticket.objects.filter(pk=ticket.pk).update(received_at=received, updated_at=updated)
    client = Client()

    def found(**query: str) -> bool:
        answer = client.get(f"{BASE}/requests.json", query)
        assert answer.status_code == 200, answer.content
        return [r["service_request_id"] for r in answer.json()] == [ticket.number]

    [row] = client.get(f"{BASE}/requests/{ticket.number}.json").json()
    shown = received.replace(microsecond=0)
    assert row["requested_datetime"] == shown.isoformat()
    half = shown + dt.timedelta(microseconds=500_000)
    # start_date half a second after the shown time: the row shown would not satisfy it.
    assert not found(start_date=half.isoformat())
    assert found(start_date=shown.isoformat())
    assert found(end_date=shown.isoformat()) and found(end_date=half.isoformat())
    assert not found(end_date=(shown - dt.timedelta(seconds=1)).isoformat())

    # updated_after / updated_before, an extension many GeoReport servers offer
    changed = updated.replace(microsecond=0)
    assert found(updated_after=changed.isoformat(), updated_before=changed.isoformat())
    assert not found(updated_after=(changed + dt.timedelta(seconds=1)).isoformat())
    assert not found(updated_before=(changed - dt.timedelta(seconds=1)).isoformat())
    assert client.get(f"{BASE}/requests.json", {"updated_after": "soon"}).status_code == 400


def test_bad_queries_and_formats_are_open311_errors(db):
    client = Client()
    assert client.get(f"{BASE}/requests.json?start_date=yesterday").status_code == 400
    assert client.get(f"{BASE}/requests.json?status=lost").status_code == 400
    assert client.get(f"{BASE}/requests/NOPE.json").status_code == 404
    assert client.get(f"{BASE}/tokens/not-a-token.json").status_code == 404
    assert client.get(f"{BASE}/services.yaml").status_code == 400
    assert client.put(f"{BASE}/services.json").status_code == 405
