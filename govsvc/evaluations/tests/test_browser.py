"""In headless Chromium: a resident rates a completed case on a phone-sized page, and a
department officer follows the bad rating through the staff pages to its callback.

Runs the real server (govsvc.core.testing) on a fresh SQLite database holding one
department; skipped, saying why, where Chromium is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govsvc.core.testing import CHROMIUM, CHROMIUM_ARGS, SHOTS, serve_platform

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]

SETUP = """
from django.contrib.auth.models import User
from govsvc.accounts.models import StaffProfile
from govsvc.directory.models import Department, Region
from govsvc.evaluations import services
city = Region.objects.create(code="420100000000", name="武汉市", level="city")
labour = Department.objects.create(code="11420100MB143285XU", name="武汉市人力资源和社会保障局",
    short_name="市人社局", level="city", region=city)
officer = User.objects.create_user("rs_officer", password="pw-browser-1", first_name="张经办")
StaffProfile.objects.create(user=officer, role="department_officer", department=labour)
act = services.record_act(kind="case_completed", reference="WH2026BROWSER01", department=labour,
    staff=officer, person_name="王小明", phone="13912345678")
print("TOKEN=" + act.token)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    # Only the department the case belongs to is needed, not the whole reference data.
    migrate_only = (["migrate", "--noinput", "-v0"],)
    for platform in serve_platform(tmp_path_factory.mktemp("var"), setup=migrate_only):
        token = platform.manage("shell", "-v0", "-c", SETUP).split("TOKEN=")[1].strip()
        yield platform.url, token


def test_a_bad_rating_from_a_phone_is_followed_to_its_callback(server: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, token = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        # The resident, on a phone, from the link in the SMS.
        phone = browser.new_page(viewport=PHONE, locale="zh-CN")  # type: ignore[arg-type]
        phone.goto(f"{base}/evaluations/rate/{token}/?channel=mobile")
        assert "WH2026BROWSER01" in phone.inner_text("main")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        phone.get_by_label("非常不满意").check()
        phone.get_by_label("办事效率").check()
        phone.get_by_label("意见建议").fill("材料被退回三次，每次说法都不一样")
        phone.screenshot(path=str(SHOTS / "evaluations-1-rate-phone.png"), full_page=True)
        phone.get_by_role("button", name="提交评价").click()
        phone.wait_for_load_state()
        body = phone.inner_text("main")
        assert "感谢您的评价" in body and "非常不满意" in body and "已转交市人社局核实整改" in body
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        phone.screenshot(path=str(SHOTS / "evaluations-2-rated-phone.png"), full_page=True)

        # The department officer signs in and works the rectification.
        staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[arg-type]
        staff.goto(f"{base}/evaluations/staff/")
        staff.fill("#id_username", "rs_officer")
        staff.fill("#id_password", "pw-browser-1")
        staff.get_by_role("button", name="登录").click()
        staff.wait_for_url("**/evaluations/staff/")
        row = staff.locator("tbody tr", has_text="WH2026BROWSER01")
        assert "待核实" in row.inner_text()
        row.get_by_role("link").click()
        staff.wait_for_url("**/evaluations/staff/rectifications/*/")
        detail = staff.inner_text("main")
        assert (
            "材料被退回三次" in detail and "139****5678" in detail and "13912345678" not in detail
        )

        staff.fill("#action-verify textarea[name=finding]", "窗口未一次性告知材料要求，属实")
        staff.locator("#action-verify button").click()
        staff.wait_for_load_state()
        assert staff.inner_text("#rect-status") == "整改中"
        staff.fill("#action-rectify textarea[name=measures]", "修订一次性告知单，窗口人员培训")
        staff.locator("#action-rectify button").click()
        staff.wait_for_load_state()
        assert staff.inner_text("#rect-status") == "已整改待回访"
        staff.fill("#action-callback textarea[name=note]", "已电话告知整改措施，王先生表示认可")
        staff.select_option("#action-callback select[name=level]", "satisfied")
        staff.locator("#action-callback button").click()
        staff.wait_for_load_state()
        assert staff.inner_text("#rect-status") == "已办结"
        assert "王先生表示认可" in staff.inner_text("#callback-note")
        assert "满意" in staff.inner_text("#callback-note")
        staff.screenshot(path=str(SHOTS / "evaluations-3-callback.png"), full_page=True)

        # The resident's page now shows the outcome; the public figures count the rating.
        phone.reload()
        assert "已办结" in phone.inner_text("main")
        phone.goto(f"{base}/evaluations/stats/")
        assert phone.inner_text("#stat-total") == "1" and phone.inner_text("#stat-bad") == "1"
        assert phone.inner_text("#stat-ontime") == "100%"
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        phone.screenshot(path=str(SHOTS / "evaluations-4-stats-phone.png"), full_page=True)
        browser.close()
