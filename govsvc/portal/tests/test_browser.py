"""A resident in headless Chromium: home page, search in their own words, bundle guide.

Runs the real server (``manage.py runserver``) on a fresh SQLite database, as ``make run``
does, and drives Debian's Chromium through Playwright. Skipped, saying why, where Chromium
is not installed.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from govsvc.core.testing import CHROMIUM, CHROMIUM_ARGS, SHOTS, serve_platform

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    for platform in serve_platform(tmp_path_factory.mktemp("var")):
        yield platform.url


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
