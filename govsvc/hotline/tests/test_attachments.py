"""Attachments: photos and PDFs by name and by first bytes, from the pages and the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from govsvc.hotline import attachments, services
from govsvc.hotline.models import Ticket

from .conftest import new_ticket
from .test_api import client_for

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 200
PDF = b"%PDF-1.7\n" + b"0" * 200


def upload(name: str, body: bytes, kind: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type=kind)


@pytest.mark.parametrize(
    ("name", "body", "refused"),
    [
        ("井盖.jpg", JPEG, False),
        ("照片.JPEG", JPEG, False),
        ("材料.pdf", PDF, False),
        ("图.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ", False),
        ("伪装.jpg", b"MZ\x90\x00" + b"0" * 50, True),
        ("图.webp", b"RIFF\x10\x00\x00\x00WAVEfmt ", True),
        ("程序.exe", b"MZ", True),
        ("无扩展名", JPEG, True),
    ],
)
def test_a_file_is_judged_by_its_extension_and_its_first_bytes(name, body, refused):
    assert (attachments.problem(upload(name, body)) is not None) == refused


def test_an_oversized_file_is_refused_before_anything_is_saved(places):
    big = upload("大图.jpg", JPEG + b"0" * attachments.MAX_BYTES)
    with pytest.raises(services.TransitionError, match="超过 5 MB"):
        new_ticket(places, attachments=[big])
    assert Ticket.objects.count() == 0


def test_the_api_takes_photos_by_multipart_and_lists_them_to_staff(
    places, agent, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    response = APIClient().post(
        "/api/v1/hotline/tickets/",
        {"content": "井盖缺失，很危险", "kind": "report",
         "attachments": [upload("井盖.jpg", JPEG, "image/jpeg"), upload("说明.pdf", PDF)]},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert sorted(a.name for a in ticket.attachments.all()) == ["井盖.jpg", "说明.pdf"]

    body = client_for(agent).get(f"/api/v1/hotline/tickets/{ticket.number}/").json()
    assert [a["name"] for a in body["attachments"]] == ["井盖.jpg", "说明.pdf"]
    url = body["attachments"][0]["url"]
    assert url.startswith(f"http://testserver/api/v1/hotline/tickets/{ticket.number}/")
    download = client_for(agent).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == JPEG
    assert APIClient().get(url).status_code in (401, 403)


def test_the_api_refuses_a_disguised_file_with_a_chinese_reason(places):
    response = APIClient().post(
        "/api/v1/hotline/tickets/",
        {"content": "看附件", "attachments": [upload("照片.jpg", b"MZ\x90\x00")]},
        format="multipart",
    )
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert "内容与文件类型不符" in str(details["attachments"])
    assert Ticket.objects.count() == 0


def test_a_confidential_tickets_files_are_hidden_from_a_department(
    places, catalogue, agent, labour_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    ticket = new_ticket(places, confidential=True, attachments=[upload("证据.jpg", JPEG)])
    services.dispatch(ticket, actor=agent)

    seen_by_department = client_for(labour_officer).get(f"/api/v1/hotline/tickets/{ticket.number}/")
    seen_by_agent = client_for(agent).get(f"/api/v1/hotline/tickets/{ticket.number}/")

    assert seen_by_department.json()["attachments"] == []
    files = seen_by_agent.json()["attachments"]
    assert [a["name"] for a in files] == ["证据.jpg"]
    assert client_for(labour_officer).get(files[0]["url"]).status_code == 404
    assert client_for(agent).get(files[0]["url"]).status_code == 200


def test_another_departments_officer_cannot_download_a_tickets_file(
    places, catalogue, agent, urban_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    ticket = new_ticket(places, attachments=[upload("井盖.jpg", JPEG)])
    services.dispatch(ticket, actor=agent)  # to the labour bureau
    url = f"/api/v1/hotline/tickets/{ticket.number}/attachments/{ticket.attachments.get().pk}/"
    assert client_for(urban_officer).get(url).status_code == 404
