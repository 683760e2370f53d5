"""In headless Chromium: a resident rates a completed case on a phone-sized page, and a
department officer follows the bad rating through the staff pages to its callback.

Runs the real server on a fresh SQLite database holding one department (the approach of the portal's browser
test, copied here); skipped, saying why, where Chromium is not installed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    # Only the department the case belongs to is needed, not the whole reference data.
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v0"], env=env, check=True, capture_output=True
    )
    setup = subprocess.run(
        [*manage, "shell", "-v0", "-c", SETUP], env=env, check=True, capture_output=True, text=True
    )
    token = setup.stdout.split("TOKEN=")[1].strip()
    port = _free_port()
    proc = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", token
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
