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

        # 好差评: the resident rates the completed case from the phone; it is a bad rating.
        page.locator("a", has_text="评价「办件办结」服务").click()
        page.wait_for_url("**/evaluations/rate/**")
        assert number in page.inner_text("main")
        page.get_by_label("不满意", exact=True).check()
        page.get_by_label("办事效率").check()
        page.get_by_label("意见建议").fill("出生登记等了很久才办好")
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_load_state()
        assert "感谢您的评价" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        page.screenshot(path=str(SHOTS / "case-4-rated.png"), full_page=True)

        # The lead department's officer follows it through the staff pages to the callback.
        officer = platform.manage("shell", "-c", LEAD_OFFICER).strip().splitlines()[-1]
        staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        staff.goto(f"{platform.url}/evaluations/staff/")
        staff.fill("#id_username", officer)
        staff.fill("#id_password", "demo-12345")
        staff.get_by_role("button", name="登录").click()
        staff.wait_for_url("**/evaluations/staff/")
        staff.locator("tbody tr", has_text=number).get_by_role("link").click()
        staff.wait_for_url("**/evaluations/staff/rectifications/*/")
        staff.fill(
            "#action-verify textarea[name=finding]", "出生登记环节等待前置结果时间过长，属实"
        )
        staff.locator("#action-verify button").click()
        staff.wait_for_load_state()
        staff.fill("#action-rectify textarea[name=measures]", "出生医学证明办结后即时推送公安")
        staff.locator("#action-rectify button").click()
        staff.wait_for_load_state()
        staff.fill("#action-callback textarea[name=note]", "已电话告知整改措施，申请人认可")
        staff.select_option("#action-callback select[name=level]", "satisfied")
        staff.locator("#action-callback button").click()
        staff.wait_for_load_state()
        assert staff.inner_text("#rect-status") == "已办结"
        staff.screenshot(path=str(SHOTS / "case-5-callback.png"), full_page=True)
        browser.close()


LEAD_OFFICER = """
from django.contrib.auth.models import User
from govsvc.bundles.models import Bundle
lead = Bundle.objects.get(list_no=8).lead_departments.first()
print(User.objects.filter(staff_profile__department=lead, staff_profile__role="department_officer").first().username)
"""
TOKENS = """
import json
from rest_framework.authtoken.models import Token
from django.contrib.auth.models import User
users = User.objects.filter(username__startswith="dept")
print(json.dumps([Token.objects.get_or_create(user=u)[0].key for u in users]))
"""
