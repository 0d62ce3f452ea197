"""The clerk's page in real headless Chromium (Debian's `chromium`, driven by Playwright), acted out as a
clerk would: a minor without a guardian, a non-local couple with a mortgage, a Hong Kong buyer in English,
a walk-in answering the page's questions in its order, failures of the server and of the connection,
bad input, the printout (as PDF), keyboard focus, axe-core, and a phone-width viewport.

Screenshots and PDFs go to pytest's temporary folder (never into the repository); the path is printed.
axe-core (MPL-2.0, vendored in tests/data/ for the tests only; not shipped) checks accessibility.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
import urllib.error
import urllib.request
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
pypdf = pytest.importorskip("pypdf", reason="pypdf (test extra) is not installed")

AXE = Path(__file__).parent / "data" / "axe.min.js"

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


def _open(browser: Any, base_url: str, width: int = 1280) -> tuple[Any, Page, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # the browser reports failed requests on the console; the failure tests cause them on purpose
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
              and "Failed to load resource" not in msg.text else None)
    opened.goto(base_url + "/")
    _settled(opened)
    return context, opened, errors


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Page]:
    context, opened, errors = _open(browser, base_url)
    yield opened
    # a value the page forgot to render shows up as a JavaScript word
    leaks = re.findall(r"\b(?:null|undefined|NaN|\[object \w+\])", opened.locator("body").inner_text())
    context.close()
    assert errors == [] and leaks == []


def _settled(page: Page) -> None:
    page.wait_for_function("document.body.dataset.busy === '0'", timeout=15_000)


def _set(page: Page, field: str, value: str) -> None:
    """Answer one field: it must be on the form (asked for now, opened, or already answered)."""
    control = page.locator(f'[data-field="{field}"]')
    control.wait_for(timeout=15_000)
    if control.evaluate("e => e.tagName") == "SELECT":
        control.select_option(value)
    else:
        control.fill(value)
        control.dispatch_event("change")
    _settled(page)


def _open_field(page: Page, field: str) -> None:
    """Bring a field onto the form if it is not there: the question list links every open question."""
    if not page.locator(f'[data-field="{field}"]').count():
        prefix, fact = field.split(".", 1)
        more = page.locator(f'[data-more="{prefix}"]')
        if more.count() and more.locator(f'option[value="{fact}"]').count():
            more.select_option(fact)
        else:
            page.locator(f'#questions a[href="#f-{field}"]').click()


def _answer(page: Page, field: str, value: str) -> None:
    _open_field(page, field)
    _set(page, field, value)


def _not_known(page: Page, field: str) -> None:
    """Answer "not known yet": a choice of its own in a list, a button beside a typed field."""
    button = page.locator(f'[data-unknown="{field}"]')
    if button.count():
        button.click()
    else:
        page.locator(f'[data-field="{field}"]').select_option(label="暂不清楚")
    _settled(page)


def _party(page: Page, n: int = 0) -> str:
    return str(page.locator(".party").nth(n).get_attribute("data-party"))


def _add_party(page: Page, role: str) -> str:
    page.click(f'[data-add-role="{role}"]')
    _settled(page)
    return str(page.locator(".party").last.get_attribute("data-party"))


def _issues(page: Page) -> list[str]:
    return [str(code) for code in page.locator("#issues .issue").evaluate_all("els => els.map(e => e.dataset.issue)")]


def _documents(page: Page, stage: str, party: str) -> list[str]:
    rows = page.locator(f'table[data-stage="{stage}"][data-party="{party}"] tr[data-document]')
    return [str(d) for d in rows.evaluate_all("els => els.map(e => e.dataset.document)")]


def _checklist(page: Page) -> set[tuple[str, str, str]]:
    rows = page.locator("table[data-stage] tr[data-document]").evaluate_all(
        "els => els.map(e => [e.closest('table').dataset.stage, e.closest('table').dataset.party, e.dataset.document])")
    return {(str(s), str(p), str(d)) for s, p, d in rows}


def _status(page: Page) -> str:
    return str(page.locator("#status").get_attribute("data-status"))


def _view(page: Page) -> str:
    return str(page.locator("#status").get_attribute("data-view"))


def _stale(page: Page) -> bool:
    return bool(page.locator("#result").get_attribute("data-stale") == "1")


def _focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement?.dataset?.focus ?? document.activeElement?.tagName"))


def _print(page: Page, path: Path) -> str:
    """The buyer's handout as printed (A4 print CSS): a screenshot and a PDF; the handout's text."""
    page.emulate_media(media="print")
    page.screenshot(path=str(path.with_suffix(".png")), full_page=True)
    page.pdf(path=str(path.with_suffix(".pdf")), format="A4", print_background=True, prefer_css_page_size=True)
    text = str(page.locator("#handout").inner_text())
    page.emulate_media(media="screen")
    assert not re.search(r"\b(?:null|undefined|NaN|\[object \w+\])", text), text
    return text


def _pdf_pages(path: Path) -> list[str]:
    """Each page's text as Chromium printed it (NFKC: the PDF's fonts map some Han characters to the
    look-alike radicals, which NFKC folds back; a few radicals it does not fold stay as they are)."""
    reader = pypdf.PdfReader(str(path.with_suffix(".pdf")))
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]


def _axe(page: Page) -> list[str]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, and best practices)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
                          "v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`))")
    return [str(v) for v in found]


def _post(base_url: str, facts: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(base_url + "/v1/check", data=json.dumps(facts).encode(),
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, body.decode(errors="replace")


# ---------------------------------------------------------------------------------------- scenarios


def test_minor_buyer_gets_the_guardian_fix(page: Page, base_url: str, shots: Path) -> None:
    buyer = _party(page)
    _set(page, f"{buyer}.id", "小明")
    _answer(page, "app.signing_date", "2026-12-01")
    _answer(page, "app.payment", "full")
    _answer(page, f"{buyer}.identity", "mainland")
    _answer(page, f"{buyer}.birth_date", "2012-05-01")
    assert _view(page) == "blocked"
    assert _issues(page)[0] == "GUARDIAN_MISSING"
    assert "未成年业主须有监护人" in page.locator("#issues").inner_text()
    page.screenshot(path=str(shots / "minor-blocked.png"), full_page=True)

    # turning 18 just after the planned signing day: the page says which signing date clears it, the
    # first day on which the server no longer raises it (the pack's way of counting age decides)
    _set(page, f"{buyer}.birth_date", "2008-12-03")
    page.wait_for_function("document.body.dataset.probing === '0'", timeout=15_000)
    clears = page.locator('[data-issue="GUARDIAN_MISSING"] [data-clears]')
    day = str(clears.get_attribute("data-clears"))
    assert f"签约日期为 {day} 或之后即可解除" in clears.inner_text()
    facts: dict[str, Any] = {"application": {"payment": "full"},
             "parties": [{"id": "小明", "role": "buyer", "identity": "mainland", "birth_date": "2008-12-03"}]}

    def raised(signing: datetime.date) -> bool:
        facts["application"]["signing_date"] = signing.isoformat()
        return any(i["code"] == "GUARDIAN_MISSING" for i in _post(base_url, facts)[1]["issues"])

    first = datetime.date.fromisoformat(day)
    assert datetime.date(2026, 12, 1) < first <= datetime.date(2026, 12, 5)
    assert not raised(first) and raised(first - datetime.timedelta(days=1))
    _set(page, f"{buyer}.birth_date", "2012-05-01")

    # the block offers its fix: a guardian of this buyer, and the new party's name field has the focus
    fix = page.locator('[data-issue="GUARDIAN_MISSING"] [data-fix]')
    assert fix.count() == 1 and "监护人" in fix.inner_text()
    fix.click()
    _settled(page)
    guardian = _party(page, 1)
    assert page.locator(f'[data-field="{guardian}.role"]').input_value() == "guardian"
    assert _focused(page) == f"f-{guardian}.id"
    page.keyboard.press("Control+A")
    page.keyboard.type("王芳")
    _settled(page)
    _answer(page, f"{guardian}.identity", "mainland")
    assert "GUARDIAN_MISSING" not in _issues(page)
    assert {"birth_certificate", "guardianship_notarization"} <= set(_documents(page, "signing", "小明"))
    assert "id_card" in _documents(page, "signing", "王芳")
    page.screenshot(path=str(shots / "minor-with-guardian.png"), full_page=True)
    handout = _print(page, shots / "minor-print")
    assert "签约须携带的资料" in handout and "小明(购房人)" in handout and "王芳(监护人)" in handout
    assert "GUARDIAN" not in handout  # buyer-facing: no internal codes


def test_couple_with_a_mortgage_tracks_documents_from_the_start(page: Page, shots: Path) -> None:
    buyer = _party(page)
    # nothing handed in yet: the papers are missing from the first answer on, never "ready"
    assert "DOCUMENTS_MISSING" in _issues(page) and _view(page) != "ready"
    _answer(page, "app.payment", "mortgage")
    _answer(page, f"{buyer}.identity", "mainland")
    _answer(page, f"{buyer}.hukou", "nonlocal")
    _answer(page, f"{buyer}.marital_status", "married")
    _answer(page, f"{buyer}.social_security_months", "6")
    assert {"NONLOCAL_SOCIAL_SECURITY_SHORT", "SPOUSE_MISSING"} <= set(_issues(page))
    page.locator('[data-issue="SPOUSE_MISSING"] [data-fix]').click()
    _settled(page)
    spouse = _party(page, 1)
    assert page.locator(f'[data-field="{spouse}.role"]').input_value() == "spouse"
    _answer(page, f"{spouse}.identity", "mainland")
    _answer(page, f"{spouse}.hukou", "nonlocal")
    _answer(page, f"{buyer}.social_security_months", "36")
    _answer(page, f"{buyer}.tax_months", "36")
    _answer(page, f"{buyer}.birth_date", "1990-03-04")
    _answer(page, f"{buyer}.id_card_digits", "18")
    _answer(page, f"{spouse}.id_card_digits", "18")
    _answer(page, f"{spouse}.birth_date", "1991-04-05")
    for fact, value in [("signing_date", "2026-12-01"), ("price", "1,500,000"), ("credit_check", "passed"),
                        ("mortgage_bank", "ccb"), ("mortgage_contract_signed", "true"),
                        ("mortgage_eligibility_confirmed", "true"), ("eligibility_verified", "true"),
                        ("deposit_paid", "true"), ("down_payment_paid", "true"), ("maintenance_fund_paid", "true"),
                        ("special_clauses", "false"), ("signed_by_agent", "false")]:
        if page.locator(f'#questions a[href="#f-app.{fact}"]').count():  # an answer may make others moot
            _answer(page, f"app.{fact}", value)
    # what the pack still asks: the spouse's months too (the family's counted together), and the signing day's
    rest = {"social_security_months": "36", "tax_months": "36", "unresolved_questions": "false"}
    while page.locator("#questions a").count():
        field = str(page.locator("#questions a").first.get_attribute("href"))[3:]
        _answer(page, field, rest[field.split(".", 1)[1]])
    assert "SPOUSE_MISSING" not in _issues(page) and "NONLOCAL_SOCIAL_SECURITY_SHORT" not in _issues(page)
    assert _documents(page, "mortgage", "")  # the bank's list is there
    assert "15,000" in page.locator("#amounts").inner_text()
    blocks = page.locator("#issues .issue.block").evaluate_all("els => els.map(e => e.dataset.issue)")
    assert blocks == ["DOCUMENTS_MISSING"] and _view(page) == "documents"
    assert page.locator("#status").inner_text() == "资料未收齐"

    # ticking keeps the keyboard on the ticked box, through the re-check and the redraw
    unticked = page.locator('table[data-stage="signing"] input[type=checkbox]:not(:checked)')
    box = unticked.first
    focus = box.get_attribute("data-focus")
    box.focus()
    page.keyboard.press("Space")
    _settled(page)
    assert _focused(page) == focus and page.locator(f'[data-focus="{focus}"]').is_checked()
    while unticked.count():
        unticked.first.check()
        _settled(page)
    assert "DOCUMENTS_MISSING" not in _issues(page) and _status(page) == "ready"
    assert page.locator("#status").inner_text() == "可以签约"
    _set(page, f"{buyer}.id", "李雷")  # a name typed after ticking: what was received stays with the person
    assert "DOCUMENTS_MISSING" not in _issues(page) and page.locator("#error-summary").is_hidden()
    page.screenshot(path=str(shots / "couple-all-received.png"), full_page=True)
    handout = _print(page, shots / "couple-print")
    # one line per document per person: the ID card asked at three stages is printed once for each
    assert handout.count("居民身份证") == 2, handout


def test_hong_kong_buyer_in_english(page: Page, shots: Path) -> None:
    page.click("#lang")
    assert page.locator("header h1").inner_text() == "Documents to sign the sale contract"
    buyer = _party(page)
    _answer(page, f"{buyer}.identity", "hong_kong")
    assert "CONTACT_PERSON_MISSING" in _issues(page)
    assert "A Hong Kong or Macau buyer needs a mainland contact person" in page.locator("#issues").inner_text()
    fix = page.locator('[data-issue="CONTACT_PERSON_MISSING"] [data-fix]')
    assert fix.inner_text() == "+ Add Contact person"
    fix.click()
    _settled(page)
    contact = _party(page, 1)
    assert page.locator(f'[data-field="{contact}.role"]').input_value() == "contact_person"
    assert "CONTACT_PERSON_MISSING" not in _issues(page)
    _answer(page, f"{contact}.identity", "mainland")
    _answer(page, f"{contact}.phone", "13800000000")
    assert {"hk_macau_identity_card", "home_return_permit"} <= set(_documents(page, "signing", "Buyer"))
    page.screenshot(path=str(shots / "hong-kong-en.png"), full_page=True)
    handout = _print(page, shots / "hong-kong-print")
    assert "Documents to bring to sign the contract" in handout


def test_a_widow_adds_the_party_she_needs(page: Page) -> None:
    buyer = _party(page)
    _answer(page, f"{buyer}.marital_status", "widowed")
    assert "SPOUSE_MISSING" not in _issues(page)
    # adding a party asks for its role; nothing defaults to a spouse
    guarantor = _add_party(page, "guarantor")
    assert page.locator(f'[data-field="{guarantor}.role"]').input_value() == "guarantor"
    assert _focused(page) == f"f-{guarantor}.id"


def test_a_contact_persons_phone_is_asked_not_hidden(page: Page) -> None:
    buyer = _party(page)
    _answer(page, f"{buyer}.identity", "macau")
    contact = _add_party(page, "contact_person")
    _answer(page, f"{contact}.identity", "mainland")
    # the pack asks for the phone: listed with the questions, one click puts the cursor in the field
    link = page.locator(f'#questions a[href="#f-{contact}.phone"]')
    assert link.count() == 1
    link.click()
    assert _focused(page) == f"f-{contact}.phone"
    page.keyboard.type("13900000000")
    _settled(page)
    assert not page.locator(f'#questions a[href="#f-{contact}.phone"]').count()


# The walk-in: a local first-time buyer who knows who she is and how she pays, and nothing yet about
# the signing day. The clerk asks what the page puts first and answers "not known yet" where she can't.
WALK_IN = {"identity": "mainland", "hukou": "local", "marital_status": "unmarried", "payment": "full",
           "birth_date": "1992-08-15", "id_card_digits": "18", "signing_date": "2026-12-15", "price": "150万"}
SIGNING_DAY = {"eligibility_verified": True, "deposit_paid": True, "maintenance_fund_paid": True,
               "special_clauses": False, "signed_by_agent": False, "down_payment_paid": True,
               "unresolved_questions": False}


def test_walk_in_reaches_the_full_checklist_in_ten_answers(page: Page, base_url: str, shots: Path) -> None:
    known = {"application": {"signing_date": "2026-12-15", "price": 1_500_000, "payment": "full", **SIGNING_DAY},
             "parties": [{"id": "购房人", "role": "buyer", "identity": "mainland", "hukou": "local",
                          "marital_status": "unmarried", "birth_date": "1992-08-15", "id_card_digits": 18}]}
    status, full = _post(base_url, known)
    assert status == 200
    everything = {(i["stage"], i["party"] or "", i["document"]) for i in full["items"]}
    page.screenshot(path=str(shots / "walk-in-first-visit.png"), full_page=True)
    # a first visit shows a few questions, not all of them
    assert 0 < page.locator(".field.ask").count() <= 6

    def done() -> bool:  # the full checklist, and nothing left to ask before the signing day
        upcoming = page.locator(".field.next")
        return _checklist(page) == everything and (not upcoming.count() or bool(upcoming.get_attribute("data-group")))

    answers = 0
    while not done():
        assert answers < 10, f"after {answers} answers: missing {everything - _checklist(page)}, still asking"
        field = str(page.locator(".field.next").get_attribute("data-key"))
        fact = field.split(".", 1)[1]
        if fact in WALK_IN:
            _set(page, field, WALK_IN[fact])
        else:
            _not_known(page, field)
        answers += 1
    print(f"walk-in: full checklist, only the signing day's questions left, after {answers} answers")
    assert "资料" in page.locator("#status").inner_text() or _view(page) == "incomplete"
    page.screenshot(path=str(shots / "walk-in-full-checklist.png"), full_page=True)


# ---------------------------------------------------------------------------------------- failures


def _filled(page: Page) -> str:
    """A page with a current result: the buyer's identity and payment answered."""
    buyer = _party(page)
    _answer(page, f"{buyer}.identity", "mainland")
    _answer(page, "app.payment", "full")
    assert not _stale(page)
    return buyer


def test_a_failing_server_never_leaves_a_stale_result(page: Page, shots: Path) -> None:
    buyer = _filled(page)

    def broken(route: Any) -> None:
        route.fulfill(status=500, body="Internal Server Error")

    def stopped(route: Any) -> None:
        route.abort("connectionrefused")

    page.route("**/v1/check", broken)
    _answer(page, f"{buyer}.hukou", "local")
    assert _stale(page) and page.locator("#link").get_attribute("data-link") == "failed"
    assert "连接中断" in page.locator("#link").inner_text()
    page.screenshot(path=str(shots / "server-500.png"), full_page=True)
    assert _axe(page) == []  # the banner and the greyed-out result too

    # a stopped server: the page retries by itself (1 s, then 2 s, 4 s …) and on a click. The newer
    # route goes in first, so that no automatic retry slips through to the real server in between.
    page.route("**/v1/check", stopped)
    page.unroute("**/v1/check", broken)
    before = int(page.locator("#link").get_attribute("data-attempt"))
    page.wait_for_function(f"+document.getElementById('link').dataset.attempt >= {before + 1}", timeout=10_000)
    page.click("#retry")
    _settled(page)
    assert _stale(page) and page.locator("#link").get_attribute("data-link") == "failed"
    page.wait_for_function(f"+document.getElementById('link').dataset.attempt >= {before + 3}", timeout=15_000)
    assert f"第 {page.locator('#link').get_attribute('data-attempt')} 次" in page.locator("#link").inner_text()

    # the server is back: the next retry (a click, or the page's own) brings a current result
    page.unroute("**/v1/check", stopped)
    page.evaluate("document.getElementById('retry')?.click()")
    page.wait_for_function("document.getElementById('result').dataset.stale === '0'", timeout=20_000)
    assert page.locator("#link").inner_text() == ""
    assert not page.locator(f'#questions a[href="#f-{buyer}.hukou"]').count()  # computed with the answer


def test_a_refused_answer_greys_the_result_and_links_the_field(page: Page, shots: Path) -> None:
    buyer = _filled(page)
    answer = {"errors": [{"code": "DR510", "path": f"parties[0].{'birth_date'}", "message": "bad date",
                          "hint": None, "text": {"zh": "出生日期有误", "en": "The birth date is wrong"}}]}
    page.route("**/v1/check", lambda route: route.fulfill(status=422, content_type="application/json",
                                                          body=json.dumps(answer)))
    _answer(page, f"{buyer}.birth_date", "1990-01-01")
    assert _stale(page) and page.locator("#link").get_attribute("data-link") == "invalid"
    summary = page.locator("#error-summary")
    assert summary.is_visible() and "出生日期有误" in summary.inner_text()
    assert "bad date" not in summary.inner_text()  # the page's language, not the server's English
    page.screenshot(path=str(shots / "refused-422.png"), full_page=True)
    summary.locator("a").click()
    assert _focused(page) == f"f-{buyer}.birth_date"
    assert page.locator(f'[data-key="{buyer}.birth_date"]').get_attribute("class").count("bad") == 1
    page.unroute("**/v1/check")
    _set(page, f"{buyer}.birth_date", "1990-01-02")
    assert not _stale(page) and summary.is_hidden()


def test_typed_numbers_and_dates(page: Page) -> None:
    buyer = _party(page)
    _answer(page, "app.price", "150万")
    assert page.locator('[data-field="app.price"]').input_value() == "1,500,000"
    assert page.locator("#amounts").inner_text() == "物业维修资金: 15,000 元"  # named by the pack's [words]
    # "not known yet" on a typed field: the keyboard goes on to the next question
    _open_field(page, f"{buyer}.birth_date")
    page.locator(f'[data-unknown="{buyer}.birth_date"]').focus()
    page.keyboard.press("Enter")
    _settled(page)
    assert _focused(page) not in ("BODY", "None") and page.locator(f'[data-key="{buyer}.birth_date"].unknown').count()
    for typed in ["1.5e6", "1500000.9", "-5"]:
        _set(page, "app.price", typed)
        assert _stale(page) and page.locator('[data-key="app.price"] .error').inner_text() != "", typed
        assert "15,000" in page.locator("#amounts").inner_text()  # greyed out, not cleared: and marked stale
    _set(page, "app.price", "1,200,000")
    assert not _stale(page) and "12,000" in page.locator("#amounts").inner_text()
    # a year typed digit by digit never reaches the server as year 2
    _answer(page, f"{buyer}.birth_date", "0002-01-01")
    assert _stale(page) and "年份" in page.locator(f'[data-key="{buyer}.birth_date"] .error').inner_text()
    _set(page, f"{buyer}.birth_date", "1990/3/4")
    assert page.locator(f'[data-field="{buyer}.birth_date"]').input_value() == "1990-03-04"
    assert not _stale(page)


def test_the_server_answers_422_for_year_0002(base_url: str) -> None:
    status, body = _post(base_url, {"application": {"signing_date": "0002-01-01"},
                                    "parties": [{"id": "b", "role": "buyer", "birth_date": "0002-01-01"}]})
    assert status == 422, body


# ---------------------------------------------------------------------------------------- print, access


def test_printout_has_a_header_and_page_numbers(page: Page, shots: Path) -> None:
    buyer = _party(page)
    _set(page, f"{buyer}.id", "陈静")
    _set(page, "reference", "3栋1204")
    _answer(page, "app.payment", "mortgage")
    _answer(page, f"{buyer}.identity", "taiwan")
    _answer(page, "app.signing_date", "2026-12-01")
    text = _print(page, shots / "header-print")
    assert "陈静" in text and "3栋1204" in text and "2026-12-01" in text and "foshan 2026.11" in text
    assert "清单可能还会增加" in text  # questions remain
    pdf = _pdf_pages(shots / "header-print")
    assert len(pdf) >= 2
    # the header on the first printed page; every page numbered "page n of N" ("页" may come out as a radical)
    assert "1204" in pdf[0] and "2026-12-01" in pdf[0] and "foshan 2026.11" in pdf[0]
    for n, content in enumerate(pdf, start=1):
        assert re.search(rf"第 {n} \S,共 {len(pdf)} \S", content), content[:80]
    assert not any("sha256" in content for content in pdf)

    page.click("#lang")
    _settled(page)
    _print(page, shots / "header-print-en")
    pdf = _pdf_pages(shots / "header-print-en")
    assert all(f"Page {n} of {len(pdf)}" in content for n, content in enumerate(pdf, start=1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_no_violations(page: Page, lang: str) -> None:
    if lang == "en":
        page.click("#lang")
        _settled(page)
    buyer = _party(page)
    _answer(page, f"{buyer}.identity", "hong_kong")
    _answer(page, f"{buyer}.birth_date", "2012-01-01")  # a minor: blocks with fixes
    _answer(page, "app.price", "12x")  # an error in the summary and on the field
    assert _axe(page) == []


def test_keyboard_and_no_codes_in_the_chinese_view(page: Page) -> None:
    buyer = _party(page)
    _answer(page, f"{buyer}.identity", "hong_kong")
    _answer(page, f"{buyer}.marital_status", "married")
    shown = page.locator("main").inner_text()
    for word in ["CONTACT_PERSON_MISSING", "SPOUSE_MISSING", "DOCUMENTS_MISSING", "sha256", "buyer", "spouse"]:
        assert word not in shown, word
    # no Latin word at all, but the language switch and the pack's name (printed with its version)
    assert set(re.findall(r"[A-Za-z_]{2,}", shown)) <= {"English", "foshan"}, shown
    # every control has a name: axe checks it; here, the tab order reaches the next question
    next_field = str(page.locator(".field.next").get_attribute("data-key"))
    page.click("#next-link")
    assert _focused(page) == f"f-{next_field}"


def _tab_to(page: Page, selector: str, back: bool = False, limit: int = 40) -> int:
    """Press Tab (or Shift+Tab) until `selector` has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(f"document.activeElement?.matches({json.dumps(selector)}) ?? false"):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} presses")


def test_keyboard_only_hong_kong_widow(page: Page, shots: Path) -> None:
    """A clerk with the keyboard only: Tabs to the first question, keys to answer, Enter to go on, the
    status bar's link to the block's fix. The presses are printed for the closing note."""
    buyer = _party(page)
    presses = {"to the first question": _tab_to(page, "#next-link")}
    page.keyboard.press("Enter")
    assert _focused(page) == f"f-{buyer}.identity"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    _settled(page)
    assert page.locator(f'[data-field="{buyer}.identity"]').input_value() == "hong_kong"
    page.keyboard.press("Enter")  # on to the next question
    nxt = _focused(page)
    assert nxt.startswith("f-") and nxt != f"f-{buyer}.identity"
    page.locator(f'[data-field="{buyer}.marital_status"]').focus()
    page.keyboard.press("End")  # the last real answer: widowed, just above "not known yet"
    page.keyboard.press("ArrowUp")
    _settled(page)
    assert page.locator(f'[data-field="{buyer}.marital_status"]').input_value() == "widowed"
    assert "CONTACT_PERSON_MISSING" in _issues(page) and "SPOUSE_MISSING" not in _issues(page)
    presses["to the bar's block link"] = _tab_to(page, "#blocks-link", back=True)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.fix") == "1"
    page.keyboard.press("Enter")
    _settled(page)
    contact = _party(page, 1)
    assert _focused(page) == f"f-{contact}.id"
    page.keyboard.type("陈生")  # and Tab at once, as clerks do: the redraw must not take the focus back
    presses["name to the contact's identity"] = _tab_to(page, f'[data-field="{contact}.identity"]')
    page.keyboard.press("ArrowDown")  # the first identity the pack lists
    _settled(page)
    assert page.locator(f'[data-field="{contact}.identity"]').input_value() != ""
    assert "CONTACT_PERSON_MISSING" not in _issues(page)
    print(f"keyboard presses: {presses}")
    assert all(n <= 8 for n in presses.values()), presses
    page.screenshot(path=str(shots / "keyboard-widow.png"), full_page=True)


def test_a_name_typed_with_an_input_method_survives_the_redraw(page: Page) -> None:
    """Pinyin "chen" being composed into 陈生 while a check comes back: the word is not thrown away."""
    buyer = _party(page)
    name = page.locator(f'[data-field="{buyer}.id"]')
    name.fill("")
    _settled(page)
    name.focus()
    ime = page.context.new_cdp_session(page)
    ime.send("Input.imeSetComposition", {"text": "chen", "selectionStart": 4, "selectionEnd": 4})
    page.wait_for_timeout(800)  # longer than the page waits before checking, and the check itself
    ime.send("Input.insertText", {"text": "陈生"})
    _settled(page)
    assert name.input_value() == "陈生"
    assert page.locator(f'[data-party="{buyer}"] h3').inner_text() == "购房人 · 陈生"


def test_phone_width(browser: Any, base_url: str, shots: Path) -> None:
    context, page, errors = _open(browser, base_url, width=390)
    buyer = _party(page)
    _answer(page, f"{buyer}.identity", "mainland")
    _answer(page, "app.payment", "mortgage")
    _answer(page, f"{buyer}.marital_status", "married")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(shots / "phone-top.png"))
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    top = page.evaluate("document.getElementById('bar').getBoundingClientRect().top")
    assert top == 0 and page.locator("#status").is_visible()
    page.screenshot(path=str(shots / "phone-bottom.png"))
    assert _axe(page) == []
    small = page.evaluate("""[...document.querySelectorAll('main button, main select, main input[type=text], '
                             + '.tick-target')].filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)
                             .map(e => e.id || e.className)""")
    assert small == []
    context.close()
    assert errors == []



# ---------------------------------------------------------------------------------------- the pack's words


def _relabelled(described: dict[str, Any]) -> dict[str, Any]:
    """The pack's /v1/facts with other words for a role and a stage (the page must use them, having no
    words of its own for either), and a `max` the pack does not declare yet: a birth date not after the
    signing date."""
    described["roles"]["contact_person"]["zh"] = "紧急联系人"
    described["stages"]["signing"]["zh"] = "售楼处签约"
    described["party"]["birth_date"]["max"] = "signing_date"
    return described


def test_the_page_follows_the_packs_words(browser: Any, base_url: str, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()

    def facts(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, json=_relabelled(response.json()))

    def check(route: Any) -> None:  # which stages a block holds up: not in the results yet
        response = route.fetch()
        if response.status != 200:
            route.fulfill(response=response)
            return
        result = response.json()
        for issue in result["issues"]:
            if issue["code"] == "MINOR_MUST_PAY_IN_FULL":
                issue["stages"] = ["mortgage"]
        route.fulfill(response=response, json=result)

    page.route("**/v1/facts", facts)
    page.route("**/v1/check", check)
    page.goto(base_url + "/")
    _settled(page)
    with urllib.request.urlopen(base_url + "/v1/facts", timeout=10) as response:
        described = json.loads(response.read())
    buyer = _party(page)
    assert page.locator(f'label[for="f-{buyer}.identity"]').inner_text().startswith(
        described["party"]["identity"]["question"]["zh"])
    assert page.locator('[data-add-role="contact_person"]').inner_text() == "+ 紧急联系人"
    groups = described["groups"]
    assert groups and all(page.locator(f'[data-group="{g}"] h2').inner_text() == t["zh"] for g, t in groups.items())

    _answer(page, "app.signing_date", "2026-12-15")
    _answer(page, "app.payment", "full")
    _answer(page, f"{buyer}.identity", "mainland")
    assert "售楼处签约" in page.locator("#checklist").inner_text()
    # a birth date after the signing date is refused on the page (the fact's declared `max`)
    _answer(page, f"{buyer}.birth_date", "2030-01-01")
    assert _stale(page) and "不能晚于签约日期" in page.locator(f'[data-key="{buyer}.birth_date"] .error').inner_text()
    # a minor with a loan: the printout marks the bank's stage as on hold
    _set(page, f"{buyer}.birth_date", "2012-01-01")
    _set(page, "app.payment", "mortgage")
    assert "MINOR_MUST_PAY_IN_FULL" in _issues(page)
    handout = _print(page, shots / "minor-loan-print")
    assert f"{described['stages']['mortgage']['zh']} (暂停:须先解决上列问题)" in handout
    page.screenshot(path=str(shots / "pack-words.png"), full_page=True)
    context.close()


EXAMPLE_PACK = Path(__file__).resolve().parents[1] / "examples" / "business-account"


@pytest.mark.skipif(not EXAMPLE_PACK.is_dir(), reason="the example pack is not in this checkout")
def test_another_pack_works_unchanged(browser: Any, shots: Path) -> None:
    """The page has no word of the Foshan pack: on the example pack (other facts, roles, stages) it asks
    that pack's questions in that pack's order, adds that pack's roles and shows its checklist."""
    with running_server(EXAMPLE_PACK) as (base, _):
        context, page, errors = _open(browser, base)
        with urllib.request.urlopen(base + "/v1/facts", timeout=10) as response:
            described = json.loads(response.read())
        principal = next(r for r, d in described["roles"].items() if d["of"] is None)
        first = _party(page)
        assert page.locator(f'[data-field="{first}.role"]').input_value() == principal
        roles = {str(b.get_attribute("data-add-role")) for b in page.locator("[data-add-role]").all()}
        assert roles == set(described["roles"])
        answers = 0
        while page.locator(".field.next").count() and answers < 12:
            field = str(page.locator(".field.next").get_attribute("data-key"))
            control = page.locator(f'[data-field="{field}"]')
            if control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(index=1)  # the first answer the pack allows
                _settled(page)
            else:
                kind = described["application" if field.startswith("app.") else "party"][field.split(".", 1)[1]]["kind"]
                _set(page, field, {"date": "2026-12-01", "decimal": "10", "int": "10"}.get(kind, "x"))
            answers += 1
        assert not page.locator(".field.next").count() and _status(page) in {"ready", "blocked", "needs_escalation"}
        assert _checklist(page)
        stages = {t["zh"] for t in described["stages"].values()}
        assert any(stage in page.locator("#checklist").inner_text() for stage in stages)
        assert _axe(page) == []
        shown = page.locator("main").inner_text()
        assert set(re.findall(r"[A-Za-z_]{2,}", shown)) <= {"English", *re.findall(r"[A-Za-z_]{2,}",
                                                                                  str(page.locator("#pack").inner_text()))}
        page.screenshot(path=str(shots / "example-pack.png"), full_page=True)
        _print(page, shots / "example-pack-print")
        context.close()
        assert errors == []

