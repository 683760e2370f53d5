"""A resident in headless Chromium: home page, search in their own words, bundle guide.

Runs the real server (``manage.py runserver``) on a fresh SQLite database, as ``make run``
does, and drives Debian's Chromium through Playwright. Skipped, saying why, where Chromium
is not installed.
"""

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    for command in (["migrate", "--noinput", "-v0"], ["load_reference_data"]):
        subprocess.run([*manage, *command], env=env, check=True, capture_output=True)
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
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("label", "viewport"),
    [("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1366, "height": 900})],
)
def test_a_resident_goes_from_home_through_search_to_the_bundle_guide(
    server: str, label: str, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
        page.goto(server + "/")
        assert "高效办成一件事" in page.content()
        page.screenshot(path=str(SHOTS / f"{label}-1-home.png"), full_page=True)

        page.fill("#q", "孩子刚出生要办什么")
        page.click("form.search button[type=submit]")
        page.wait_for_url("**/search/**")
        first = page.locator("section[aria-label='一件事'] .result h3 a").first
        assert "新生儿出生" in first.inner_text()
        page.screenshot(path=str(SHOTS / f"{label}-2-search.png"), full_page=True)

        first.click()
        page.wait_for_url("**/bundles/8/")
        body = page.inner_text("main")
        assert "一次告知" in body and "市卫健委" in body and "减材料" in body
        # Nothing overflows sideways on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, width
        page.screenshot(path=str(SHOTS / f"{label}-3-bundle.png"), full_page=True)
        page.screenshot(path=str(SHOTS / f"{label}-3-bundle-top.png"))
        page.locator("section[aria-label='一套材料']").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{label}-4-materials.png"))
        browser.close()
