"""Named fixtures shared by the suite (people and things, healthchecks style)."""

import os

import pytest

# Debian's Chromium (playwright cannot download its own browser here), with the
# flags that keep it off the network this machine does not have.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit and throttle counters live in the cache (Redis when REDIS_URL is
    set, kept between runs): every test starts with none. So do cached survey pages
    (tests load reference data in bulk, new ids under the same codes), and so does
    what each process keeps of the cache's answers (a scheduled sweep, no webhook
    subscriber)."""
    from django.core.cache import cache

    from api.webhooks import forget_that_none_are_active
    from reports.tasks import forget_scheduled_sweep

    cache.clear()
    forget_scheduled_sweep()
    forget_that_none_are_active()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright; skips when Chromium is absent."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def reference_data(db):
    """Reference data of the demo province, as `load_reference_data --province 33`.

    Hưng Yên (33) with its 104 communes, agencies (UBND-T33, TTHCC-T33, SNV-T33 …,
    UBND-X<wwwww>, TTHCC-X<wwwww>) and service points (TTHCC-T33, DVC-T33,
    TTHCC-X<wwwww>); former Thái Bình (UBND-T34, UBND-H<ddd>, its communes) ended
    and pointing to successors; the 265 procedures; exit-dv and hh-1001 version 1.
    About half a second on SQLite. Returns the loader's report.
    """
    from surveys.reference import load_reference_data

    return load_reference_data(["33"])
