"""The clerk's page in real headless Chromium (Debian's `chromium`, driven by Playwright): fill the form
as a clerk would for three buyers, read the rendered checklist and issues, tick documents off, print.

Screenshots go to pytest's temporary folder (never into the repository); the path is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .serving import running_server

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); .ci/run installs it",
                allow_module_level=True)
pytest.importorskip("fastapi", reason="the serve extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) is not installed")

# A sandbox-free, quiet browser: CI runs as root in a container, and nothing may reach the internet.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

Page = Any  # playwright's Page: kept loose so that mypy does not need playwright's stubs at import time


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server() as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"screenshots: {folder}")
    return folder


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # the browser reports every 4xx response on the console; a 422 for bad facts is the page working
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "422" not in msg.text
              else None)
    opened.goto(base_url + "/")
    _settled(opened)
    yield opened
    context.close()
    assert errors == []


def _settled(page: Page) -> None:
    page.wait_for_function("document.body.dataset.busy === '0'", timeout=15_000)


def _set(page: Page, field: str, value: str) -> None:
    """Answer one field: it must be on the form (asked for by the rules, or already shown)."""
    control = page.locator(f'[data-field="{field}"]')
    control.wait_for(timeout=15_000)
    if control.evaluate("e => e.tagName") == "SELECT":
        control.select_option(value)
    else:
        control.fill(value)
        control.dispatch_event("change")
    _settled(page)


def _more(page: Page, prefix: str, fact: str) -> None:
    """Open a field the rules have not asked for (yet) with the '+ more' picker."""
    page.locator(f'[data-more="{prefix}"]').select_option(fact)


def _add_party(page: Page, role: str) -> str:
    page.click("#add-party")
    key: str = page.locator(".party").last.get_attribute("data-party")
    _set(page, f"{key}.role", role)
    return key


def _issues(page: Page) -> list[str]:
    return [str(code) for code in page.locator("#issues .issue").evaluate_all("els => els.map(e => e.dataset.issue)")]


def _documents(page: Page, stage: str, party: str) -> list[str]:
    rows = page.locator(f'table[data-stage="{stage}"][data-party="{party}"] tr[data-document]')
    return [str(d) for d in rows.evaluate_all("els => els.map(e => e.dataset.document)")]


def _status(page: Page) -> str:
    return str(page.locator("#status").get_attribute("data-status"))


def _print(page: Page, path: Path) -> str:
    """The buyer's handout as printed (A4 print CSS): a screenshot and a PDF; its text."""
    page.emulate_media(media="print")
    page.screenshot(path=str(path.with_suffix(".png")), full_page=True)
    page.pdf(path=str(path.with_suffix(".pdf")), format="A4", print_background=True)
    text = str(page.locator("#handout").inner_text())
    page.emulate_media(media="screen")
    return text


def test_minor_buyer_needs_a_guardian(page: Page, shots: Path) -> None:
    buyer = page.locator(".party").first.get_attribute("data-party")
    _set(page, f"{buyer}.id", "小明")
    _set(page, "app.signing_date", "2026-12-01")
    _set(page, "app.payment", "full")
    _set(page, f"{buyer}.identity", "mainland")
    _set(page, f"{buyer}.birth_date", "2012-05-01")
    assert _status(page) == "blocked"
    assert _issues(page)[0] == "GUARDIAN_MISSING"
    assert page.locator("#issues .issue.block").first.is_visible()
    assert "未成年业主须有监护人" in page.locator("#issues").inner_text()
    page.screenshot(path=str(shots / "minor-blocked.png"), full_page=True)

    guardian = _add_party(page, "guardian")
    _set(page, f"{guardian}.id", "王芳")
    _set(page, f"{guardian}.identity", "mainland")
    assert "GUARDIAN_MISSING" not in _issues(page)
    assert {"birth_certificate", "guardianship_notarization"} <= set(_documents(page, "signing", "小明"))
    assert "id_card" in _documents(page, "signing", "王芳")
    page.screenshot(path=str(shots / "minor-with-guardian.png"), full_page=True)
    handout = _print(page, shots / "minor-print")
    assert "签约须携带的资料" in handout and "小明(购房人)" in handout and "王芳(监护人)" in handout
    assert "GUARDIAN" not in handout  # buyer-facing: no internal codes


def test_nonlocal_couple_with_a_mortgage(page: Page, shots: Path) -> None:
    buyer = page.locator(".party").first.get_attribute("data-party")
    _set(page, "app.payment", "mortgage")
    _set(page, f"{buyer}.identity", "mainland")
    _set(page, f"{buyer}.hukou", "nonlocal")
    _set(page, f"{buyer}.marital_status", "married")
    _set(page, f"{buyer}.social_security_months", "6")
    assert {"NONLOCAL_SOCIAL_SECURITY_SHORT", "SPOUSE_MISSING"} <= set(_issues(page))

    spouse = _add_party(page, "spouse")
    _set(page, f"{spouse}.identity", "mainland")
    _set(page, f"{spouse}.hukou", "nonlocal")
    _set(page, f"{buyer}.social_security_months", "36")
    _set(page, f"{buyer}.tax_months", "36")
    for fact, value in [("signing_date", "2026-12-01"), ("price", "1500000"), ("credit_check", "passed"),
                        ("mortgage_bank", "ccb"), ("mortgage_contract_signed", "true"),
                        ("mortgage_eligibility_confirmed", "true"), ("eligibility_verified", "true"),
                        ("deposit_paid", "true"), ("down_payment_paid", "true"), ("maintenance_fund_paid", "true"),
                        ("special_clauses", "false"), ("signed_by_agent", "false")]:
        if page.locator(f'[data-field="app.{fact}"]').count():  # an answer may make later questions moot
            _set(page, f"app.{fact}", value)
    assert page.locator(".field.ask").count() == 3  # left: the buyer's birth date, both ID cards' digits
    assert "SPOUSE_MISSING" not in _issues(page) and "NONLOCAL_SOCIAL_SECURITY_SHORT" not in _issues(page)
    assert _documents(page, "mortgage", "")  # the bank's list is there
    assert "15,000" in page.locator("#amounts").inner_text()

    # tick one signing document: received documents are now tracked, the others block signing
    table = page.locator('table[data-stage="signing"][data-party=""]')
    table.locator("input[type=checkbox]").first.check()
    _settled(page)
    assert _issues(page)[0] == "DOCUMENTS_MISSING" and _status(page) == "blocked"
    missing = page.locator('[data-issue="DOCUMENTS_MISSING"] li')
    before = missing.count()
    assert before > 0
    unticked = page.locator('table[data-stage="signing"] input[type=checkbox]:not(:checked)')
    while unticked.count():  # each tick re-checks and redraws the list
        unticked.first.check()
        _settled(page)
    assert "DOCUMENTS_MISSING" not in _issues(page)
    _set(page, f"{buyer}.id", "李雷")  # a name typed after ticking: what was received stays with the person
    assert "DOCUMENTS_MISSING" not in _issues(page) and page.locator("#errors li").count() == 0
    page.screenshot(path=str(shots / "nonlocal-couple-all-received.png"), full_page=True)
    _print(page, shots / "nonlocal-couple-print")


def test_hong_kong_buyer_in_english(page: Page, shots: Path) -> None:
    page.click("#lang")
    assert page.locator("header h1").inner_text() == "Documents to sign the sale contract"
    buyer = page.locator(".party").first.get_attribute("data-party")
    _set(page, f"{buyer}.identity", "hong_kong")
    assert "CONTACT_PERSON_MISSING" in _issues(page)
    assert "A Hong Kong or Macau buyer needs a contact person" in page.locator("#issues").inner_text()
    assert {"hk_macau_identity_card", "home_return_permit"} <= set(_documents(page, "signing", "buyer"))

    contact = _add_party(page, "contact_person")
    _more(page, contact, "phone")
    _set(page, f"{contact}.phone", "13800000000")
    assert "CONTACT_PERSON_MISSING" not in _issues(page)
    page.screenshot(path=str(shots / "hong-kong-en.png"), full_page=True)
    handout = _print(page, shots / "hong-kong-print")
    assert "Documents to bring to sign the contract" in handout


def test_bad_input_is_shown_next_to_the_form(page: Page) -> None:
    buyer = page.locator(".party").first.get_attribute("data-party")
    _set(page, f"{buyer}.id", "")
    assert page.locator("#errors li").count() == 1
    assert "parties[0].id" in page.locator("#errors").inner_text()
