"""A resident in Chromium: search, bundle guide, log in, one form, submit; the departments
do their part through the API; the resident sees the results and confirms receipt."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govsvc.cases.tests.personas import sample_value
from govsvc.core.testing import CHROMIUM, CHROMIUM_ARGS, SHOTS, LivePlatform, serve_platform

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePlatform]:
    yield from serve_platform(tmp_path_factory.mktemp("var"))


def _api(
    platform: LivePlatform, token: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - local test server
        platform.url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def test_newborn_bundle_from_search_to_results(platform: LivePlatform, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n% test\n")
    resident_token = platform.manage("issue_token", "resident").strip()
    _, plan = _api(platform, resident_token, "POST", "/api/v1/cases/plan/", {"bundle": 8})

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page.goto(platform.url + "/")
        page.fill("#q", "孩子刚出生要办什么")
        page.click("form.search button[type=submit]")
        page.locator("section[aria-label='一件事'] .result h3 a").first.click()
        page.wait_for_url("**/bundles/8/")
        page.locator("a.btn", has_text="在线申请").first.click()
        page.wait_for_url("**/accounts/login/**")
        page.fill("#id_username", "resident")
        page.fill("#id_password", "demo-12345")
        page.click("form.login button[type=submit]")
        page.wait_for_url("**/cases/apply/8/**")
        assert "一表申请" in page.inner_text("h1")

        for field in plan["fields"]:
            selector = f"#f_{field['key']}"
            value = field["value"] or sample_value(field)
            if field["type"] in ("choice", "bool"):
                page.select_option(
                    selector, str(value).lower() if field["type"] == "bool" else value
                )
            else:
                page.fill(selector, str(value))
        for upload in page.locator("input[type=file]").all():
            upload.set_input_files(str(scan))
        page.screenshot(path=str(SHOTS / "case-1-apply.png"), full_page=True)
        page.click("button[name=submit]")
        page.wait_for_url("**/cases/WH*/")
        number = page.url.rstrip("/").rsplit("/", 1)[-1]
        assert "待受理" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "case-2-submitted.png"), full_page=True)

        # The departments work through their systems' API.
        tokens = json.loads(platform.manage("shell", "-c", TOKENS).strip().splitlines()[-1])
        assert any(
            _api(platform, t, "POST", f"/api/v1/cases/{number}/accept/")[0] == 200 for t in tokens
        )
        for _ in range(10):
            pending = 0
            for token in tokens:
                _, queue = _api(platform, token, "GET", "/api/v1/subcases/")
                for sub in queue["results"]:
                    pending += 1
                    _api(platform, token, "POST", f"/api/v1/subcases/{sub['id']}/take/")
                    status, _ = _api(
                        platform, token, "POST", f"/api/v1/subcases/{sub['id']}/approve/", {}
                    )
                    assert status == 200
            if pending == 0:
                break

        page.reload()
        assert "已办结" in page.inner_text("main")
        page.click("text=确认已下载全部结果")
        page.wait_for_load_state()
        assert "已送达" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "case-3-delivered.png"), full_page=True)
        browser.close()


TOKENS = """
import json
from rest_framework.authtoken.models import Token
from django.contrib.auth.models import User
users = User.objects.filter(username__startswith="dept")
print(json.dumps([Token.objects.get_or_create(user=u)[0].key for u in users]))
"""
