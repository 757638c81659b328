"""The editor page at / and the API docs at /docs in a real browser: Debian's chromium, headless, driven
through its chromedriver by selenium, against the app on a real HTTP server (werkzeug, in a thread) and
the real Redis with this test's key prefix. Skipped when chromium or chromium-driver is not installed
(.ci/run installs them with apt-get when it can) or without ../shared (the seeds)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.app import create_app
from service.detect.text import clean_text
from tests.factories import HARBOUR, ORCHESTRA, make_article
from tests.live import serving
from tests.test_seed import read_seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
WAIT = 20  # seconds: an upper bound for a page to settle, not a pause
READ_KEY = "ed1tor-k3y-Hn5Rw2"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
    ".ci/run installs them with apt-get where apt is available",
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the test extra)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespace for the sandbox
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    # "performance" carries the DevTools network events: the headers the browser really received.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(CHROMEDRIVER)))
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def own_logs(browser: Any) -> None:
    """Each test sees only its own console messages and network events, whatever the last one left."""
    browser.get_log("browser")
    browser.get_log("performance")


@pytest.fixture
def base_url(app: Any) -> Iterator[str]:
    with serving(app) as url:
        yield url


def console_errors(browser: Any) -> list[str]:
    """Console messages of level SEVERE since the last call (CSP violations, failed loads, exceptions)."""
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(browser: Any, name: str, whole_page: bool = True) -> Path:
    """A screenshot under tests/artifacts/ (CI keeps them): of the whole page, below the fold included
    (Chromium's DevTools protocol), or of what the window shows (`whole_page=False`)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    if not whole_page:
        browser.save_screenshot(str(path))
        return path
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000), "scale": 1}
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def pane_text(browser: Any, pane_id: str) -> str:
    """The pane's text without the passage numbers."""
    return browser.execute_script(
        "const pane = document.getElementById(arguments[0]).cloneNode(true);"
        "pane.querySelectorAll('.pair-no').forEach((n) => n.remove());"
        "return pane.textContent;",
        pane_id,
    )


def kinds_in(browser: Any, pane_id: str) -> list[str]:
    return [
        mark.get_attribute("data-kind")
        for mark in browser.find_elements(By.CSS_SELECTOR, f"#{pane_id} mark.passage")
    ]


def response_headers(browser: Any, path: str) -> list[dict[str, str]]:
    """The headers of every response to `path` the browser received since the last call, from the DevTools
    network events (header names lower-cased)."""
    seen = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.responseReceived":
            continue
        response = message["params"]["response"]
        if response["url"].split("?")[0].endswith(path):
            seen.append({name.lower(): value for name, value in response["headers"].items()})
    return seen


def shown(browser: Any, element_id: str) -> Any:
    """The element when it is displayed, else None (for WebDriverWait)."""
    element = browser.find_element(By.ID, element_id)
    return element if element.is_displayed() else None


def in_viewport(browser: Any, element: Any) -> bool:
    """Whether the whole element lies inside the visible part of the page (nothing below the fold)."""
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;",
        element,
    )


def check_and_settle(browser: Any, text: str, verdict: str) -> None:
    """Paste, press Check, and wait until the answer with `verdict` is rendered, lineage included (callers
    make consecutive checks differ in verdict, so the previous answer cannot pass for this one)."""
    paste(browser, text)
    browser.find_element(By.ID, "check").click()
    wait = WebDriverWait(browser, WAIT)
    wait.until(
        lambda b: (
            b.find_element(By.ID, "verdict").get_attribute("data-verdict") == verdict
            and b.find_element(By.ID, "status").text.startswith("Done")
        )
    )
    wait.until(lambda b: not b.find_elements(By.CSS_SELECTOR, "#lineage .pending"))


def paste(browser: Any, text: str) -> None:
    area = browser.find_element(By.ID, "text")
    browser.execute_script(
        "arguments[0].value = arguments[1];arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        area,
        text,
    )


def test_editor_names_the_seed_original_of_its_rewrite_and_shows_the_evidence(
    browser: Any, base_url: str, client: Any, shared: Path
) -> None:
    title, body = read_seed(shared, "000_154467ce215703c6.txt")
    _, rewrite = read_seed(shared, "001_929bf0dbc07f75c6.txt")
    seed = {
        "id": "seed/000",
        "title": title,
        "body": body,
        "source": "The Canadian Press",
        "published_at": "2025-10-06T10:00:00Z",
    }
    others = [
        make_article(id="gazette/harbour", published_at="2025-09-01T08:00:00Z"),
        make_article(id="gazette/orchestra", body=ORCHESTRA, published_at="2025-09-02T08:00:00Z"),
        {**seed, "id": "wire-copy/poilievre", "source": "Wire Copy", "published_at": "2025-10-07T09:00:00Z"},
    ]
    for article in (seed, *others):
        assert client.post("/v1/articles", json=article).status_code == 201, article["id"]
    expected = client.post("/v1/provenance", json={"body": rewrite}).get_json()
    assert expected["original"]["id"] == "seed/000"

    browser.get(base_url + "/")
    paste(browser, rewrite)
    browser.find_element(By.ID, "check").click()
    wait = WebDriverWait(browser, WAIT)
    wait.until(
        lambda b: b.find_element(By.ID, "verdict").text and b.find_elements(By.CSS_SELECTOR, "#quotes li")
    )
    wait.until(lambda b: not b.find_elements(By.CSS_SELECTOR, "#lineage .pending"))

    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.get_attribute("data-verdict") == expected["verdict"] == "rewrite"
    assert verdict.text == "Rewrite"
    assert browser.find_element(By.ID, "original-id").text == "seed/000"
    assert browser.find_element(By.ID, "original-source").text == "The Canadian Press"
    assert title in browser.find_element(By.ID, "original-title").text
    assert browser.find_element(By.ID, "score").text == f"score {expected['score']:.2f}"

    passages = expected["matches"][0]["evidence"]["passages"]
    assert set(kinds_in(browser, "query-pane")) == {"verbatim", "reworded"}
    assert set(kinds_in(browser, "original-pane")) == {"verbatim", "reworded"}
    assert len(kinds_in(browser, "query-pane")) == len(passages)
    coverage = browser.find_element(By.ID, "coverage").text
    assert coverage.startswith(f"{len(passages)} passages") and "% of the original" in coverage
    # The query pane is the text as the service cleaned it, so the offsets fall on the same characters;
    # the original's pane is its text as indexed (GET /v1/articles/{id}?include=text).
    assert pane_text(browser, "query-pane") == clean_text(rewrite)
    assert pane_text(browser, "original-pane") == clean_text(body)
    first = browser.find_element(By.CSS_SELECTOR, "#query-pane mark.passage")
    first_text = browser.execute_script("return arguments[0].lastChild.textContent", first)
    assert first_text == clean_text(rewrite)[passages[0]["query_start"] : passages[0]["query_end"]]

    # Focus (the keyboard's way in) on a passage lights up its counterpart in the other pane.
    browser.execute_script("arguments[0].focus()", first)
    partner = browser.find_element(By.CSS_SELECTOR, '#original-pane mark.passage[data-pair="1"]')
    assert "active" in partner.get_attribute("class").split()

    quotes = browser.find_elements(By.CSS_SELECTOR, "#quotes li")
    assert quotes and not browser.find_elements(By.CSS_SELECTOR, "#quotes li.empty")
    lineage = browser.find_element(By.ID, "lineage").text
    assert "seed/000" in lineage and "wire-copy/poilievre" in lineage and "Your text" in lineage

    assert console_errors(browser) == []
    path = screenshot(browser, "editor-seed.png")
    assert path.stat().st_size > 10_000


def test_the_query_pane_is_the_pasted_text_as_the_service_cleans_it_odd_characters_included(
    browser: Any, base_url: str, client: Any
) -> None:
    assert client.post("/v1/articles", json=make_article(id="gazette/harbour")).status_code == 201
    paras = HARBOUR.split("\n\n")
    # What a pasted page brings along: a byte-order mark, a no-break space, full-width digits and a
    # ligature (NFKC would change them), a zero-width space, a decomposed accent (NFC composes it), CRLF
    # line ends, an ad slot, and a long paragraph that starts like a share bar (boilerplate lines are short,
    # so it stays). The service keeps all but the CRLF and the ad slot as sent, so the page must too, or the
    # passages' offsets fall on the wrong characters.
    pasted = "\r\n\r\n".join(
        [
            "\ufeff" + paras[0].replace("the old harbour", "the old\u00a0harbour"),
            "Advertisement",
            paras[1].replace("14 million", "\uff11\uff14 million"),
            paras[2].replace("Margaret", "Marga\u200bret"),
            paras[3],
            "Share this: " + paras[4],
            paras[-1] + " Cafe\u0301 owners are \ufb01ne with it.",
        ]
    )
    expected = client.post("/v1/provenance", json={"body": pasted}).get_json()
    assert expected["original"]["id"] == "gazette/harbour"
    passages = expected["matches"][0]["evidence"]["passages"]
    cleaned = clean_text(pasted)

    browser.get(base_url + "/")
    check_and_settle(browser, pasted, expected["verdict"])
    assert pane_text(browser, "query-pane") == cleaned
    assert "outline" not in browser.find_element(By.ID, "query-pane").get_attribute("class").split()
    marks = browser.find_elements(By.CSS_SELECTOR, "#query-pane mark.passage")
    shown = [browser.execute_script("return arguments[0].lastChild.textContent", m) for m in marks]
    chars = list(cleaned)  # offsets are code points
    assert shown == ["".join(chars[p["query_start"] : p["query_end"]]) for p in passages]
    assert console_errors(browser) == []


def test_editor_traces_pasted_html_and_shows_passages_by_position(
    browser: Any, base_url: str, client: Any, shared: Path
) -> None:
    title, body = read_seed(shared, "000_154467ce215703c6.txt")
    seed = {"id": "seed/000", "title": title, "body": body, "source": "The Canadian Press"}
    assert (
        client.post("/v1/articles", json={**seed, "published_at": "2025-10-06T10:00:00Z"}).status_code == 201
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    page = f"<html><body><nav>Home | World</nav><article><h1>{title}</h1>{paragraphs}</article></body></html>"

    browser.get(base_url + "/")
    browser.find_element(By.CSS_SELECTOR, 'input[name="format"][value="html"]').click()
    paste(browser, page)
    browser.find_element(By.ID, "check").click()
    WebDriverWait(browser, WAIT).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#query-pane mark.passage"))

    assert browser.find_element(By.ID, "verdict").get_attribute("data-verdict") in (
        "duplicate",
        "near_duplicate",
    )
    assert browser.find_element(By.ID, "original-id").text == "seed/000"
    # The API does not return the text it extracted from the HTML: the query pane shows positions.
    assert "outline" in browser.find_element(By.ID, "query-pane").get_attribute("class").split()
    assert "extracted from your HTML" in browser.find_element(By.ID, "query-note").text
    assert set(kinds_in(browser, "original-pane")) == {"verbatim"}
    assert console_errors(browser) == []
    screenshot(browser, "editor-html.png")


def test_editor_shows_the_problem_detail_of_a_rejected_text(browser: Any, base_url: str) -> None:
    browser.get(base_url + "/")
    browser.find_element(By.CSS_SELECTOR, 'input[name="format"][value="html"]').click()
    paste(browser, "<div><p> </p></div>")
    browser.find_element(By.ID, "check").click()
    problem = WebDriverWait(browser, WAIT).until(
        lambda b: (
            b.find_element(By.ID, "problem") if b.find_element(By.ID, "problem").is_displayed() else None
        )
    )
    assert "422" in problem.text
    assert "the text is empty once markup and boilerplate are removed" in problem.text
    assert not browser.find_element(By.ID, "result").is_displayed()
    # The 422 itself is logged by the browser as a failed load; nothing else may be.
    assert [e for e in console_errors(browser) if "422" not in e] == []


def test_editor_sends_the_api_key_the_service_asks_for(
    browser: Any, app_config: dict[str, Any], redis: Any
) -> None:
    app = create_app({**app_config, "api_keys": f"{READ_KEY}:read"})
    with serving(app) as base_url:
        browser.get(base_url + "/")  # the page stays open when /v1 needs a key
        browser.execute_script("sessionStorage.clear()")
        paste(browser, HARBOUR)
        browser.find_element(By.ID, "check").click()
        problem = WebDriverWait(browser, WAIT).until(
            lambda b: b.find_element(By.ID, "problem") if b.find_element(By.ID, "problem").text else None
        )
        assert "401" in problem.text and "API key" in problem.text

        browser.find_element(By.ID, "api-key").send_keys(READ_KEY)
        browser.find_element(By.ID, "check").click()
        verdict = WebDriverWait(browser, WAIT).until(
            lambda b: b.find_element(By.ID, "verdict") if b.find_element(By.ID, "verdict").text else None
        )
        assert verdict.get_attribute("data-verdict") == "none"
        assert not browser.find_element(By.ID, "problem").is_displayed()
        assert browser.execute_script("return sessionStorage.getItem('provenance.apiKey')") == READ_KEY
        browser.execute_script("sessionStorage.clear()")
    assert [e for e in console_errors(browser) if "401" not in e] == []


def test_a_text_without_original_shows_no_original_block_on_a_fresh_page_or_after_one_was_found(
    browser: Any, base_url: str, client: Any
) -> None:
    stored = make_article(id="gazette/harbour", published_at="2025-09-01T08:00:00Z")
    assert client.post("/v1/articles", json=stored).status_code == 201
    fields = ("original-title", "original-id", "original-source", "original-date")

    browser.get(base_url + "/")
    check_and_settle(browser, ORCHESTRA, "none")  # a fresh page, a text unrelated to anything stored
    assert browser.find_element(By.ID, "verdict").text == "No original found"
    original = browser.find_element(By.ID, "original")
    assert not original.is_displayed()
    assert not any(label.is_displayed() for label in browser.find_elements(By.CSS_SELECTOR, "#original dt"))
    screenshot(browser, "editor-none-fresh.png")

    check_and_settle(browser, HARBOUR, "duplicate")
    assert original.is_displayed()
    assert browser.find_element(By.ID, "original-title").text == stored["title"]
    assert browser.find_element(By.ID, "original-id").text == stored["id"]
    assert browser.find_element(By.ID, "evidence").is_displayed()

    check_and_settle(browser, ORCHESTRA, "none")
    assert browser.find_element(By.ID, "verdict").text == "No original found"
    assert not original.is_displayed()
    shown = browser.find_element(By.ID, "result").text
    assert stored["title"] not in shown and stored["id"] not in shown and stored["source"] not in shown
    # Nothing of the earlier answer is left in the page either, displayed or not.
    assert [browser.find_element(By.ID, f).get_attribute("textContent") for f in fields] == ["", "", "", ""]
    for section in ("evidence", "quotes-section", "lineage-section", "matches-section"):
        assert not browser.find_element(By.ID, section).is_displayed(), section
    assert browser.find_element(By.ID, "score").text == ""
    assert console_errors(browser) == []
    screenshot(browser, "editor-none-after-original.png")


def test_a_copy_of_a_rewrite_shows_the_passages_it_shares_with_the_rewrite_and_says_so(
    browser: Any, base_url: str, client: Any, shared: Path
) -> None:
    title, body = read_seed(shared, "000_154467ce215703c6.txt")
    rewrite_title, rewrite = read_seed(shared, "001_929bf0dbc07f75c6.txt")
    original = {"id": "cp/poilievre", "title": title, "body": body, "source": "The Canadian Press"}
    rewritten = {"id": "daily/poilievre", "title": rewrite_title, "body": rewrite, "source": "The Daily"}
    for article, published in ((original, "2025-10-06T10:00:00Z"), (rewritten, "2025-10-07T10:00:00Z")):
        assert client.post("/v1/articles", json={**article, "published_at": published}).status_code == 201
    lineage = client.get(f"/v1/articles/{rewritten['id']}").get_json()["lineage"]
    assert (lineage["original"], lineage["verdict"]) == (original["id"], "rewrite")
    # The text is a copy of the rewrite: the original is reached through it, and the answer's evidence is
    # that of the rewrite's match (the original itself carries none).
    expected = client.post("/v1/provenance", json={"body": rewrite}).get_json()
    assert (expected["original"]["id"], expected["original"]["via"]) == (original["id"], rewritten["id"])
    via = next(m for m in expected["matches"] if m["id"] == rewritten["id"])
    assert via["relation"] == "duplicate"
    passages, quotes = via["evidence"]["passages"], via["evidence"]["quotes"]
    assert passages and quotes

    browser.get(base_url + "/")
    check_and_settle(browser, rewrite, expected["verdict"])
    chain = browser.find_element(By.ID, "chain")
    assert chain.is_displayed()
    assert chain.text == (
        f"Your text is a copy of \u201c{rewrite_title}\u201d ({rewritten['id']}), "
        f"which rewrites \u201c{title}\u201d ({original['id']})."
    )
    assert browser.find_element(By.ID, "original-id").text == original["id"]
    assert browser.find_element(By.ID, "evidence").is_displayed()
    assert len(kinds_in(browser, "query-pane")) == len(kinds_in(browser, "original-pane")) == len(passages)
    assert pane_text(browser, "query-pane") == clean_text(rewrite)
    # The other pane is the rewrite's text as indexed, the article the passages' offsets refer to.
    assert pane_text(browser, "original-pane") == clean_text(rewrite)
    assert rewrite_title in browser.find_element(By.ID, "original-pane-heading").text
    assert browser.find_element(By.ID, "coverage").text.startswith(f"{len(passages)} passages")
    assert original["id"] in browser.find_element(By.ID, "evidence-note").text
    shown = browser.find_elements(By.CSS_SELECTOR, "#quotes li")
    assert len(shown) == len(quotes) and not browser.find_elements(By.CSS_SELECTOR, "#quotes li.empty")
    assert console_errors(browser) == []
    screenshot(browser, "editor-chain.png")


def test_a_rate_limited_check_says_how_many_seconds_to_wait(
    browser: Any, app_config: dict[str, Any], redis: Any
) -> None:
    app = create_app({**app_config, "rate_limit": "1/minute"})  # a real limit, counted in the real Redis
    with serving(app) as base_url:
        browser.get(base_url + "/")
        check_and_settle(browser, HARBOUR, "none")  # the minute's one request
        response_headers(browser, "/v1/provenance")  # forget the answers so far
        paste(browser, ORCHESTRA)
        browser.find_element(By.ID, "check").click()
        problem = WebDriverWait(browser, WAIT).until(
            lambda b: b.find_element(By.ID, "problem") if b.find_element(By.ID, "problem").text else None
        )
        [answer] = response_headers(browser, "/v1/provenance")
        retry_after = answer["retry-after"]
        assert retry_after.isdigit() and int(retry_after) >= 1
        assert "429" in problem.text
        assert re.search(rf"\bTry again in {retry_after} seconds?\.", problem.text), problem.text
        assert in_viewport(browser, problem)
        assert not browser.find_element(By.ID, "result").is_displayed()
        screenshot(browser, "editor-rate-limited.png", whole_page=False)
    assert [e for e in console_errors(browser) if "429" not in e] == []


@pytest.mark.parametrize("window", [(1400, 1000), (1280, 720)])
def test_nothing_to_check_is_said_under_the_check_button_in_view_and_announced(
    browser: Any, base_url: str, window: tuple[int, int]
) -> None:
    browser.set_window_size(*window)
    try:
        browser.get(base_url + "/")
        region = browser.find_element(By.CSS_SELECTOR, "#check-form [role=alert]")
        # A live region announces changes only if it is rendered before them.
        assert browser.execute_script("return getComputedStyle(arguments[0]).display", region) != "none"
        button = browser.find_element(By.ID, "check")
        button.click()
        problem = WebDriverWait(browser, WAIT).until(lambda b: shown(b, "problem"))
        assert "Nothing to check" in problem.text
        assert browser.execute_script("return arguments[0].contains(arguments[1])", region, problem)
        assert in_viewport(browser, problem)
        assert in_viewport(browser, button)
        gap = problem.rect["y"] - (button.rect["y"] + button.rect["height"])
        assert 0 <= gap < 48, gap  # right under the button, where the eye is after pressing it
        assert console_errors(browser) == []
        screenshot(browser, f"editor-nothing-to-check-{window[0]}x{window[1]}.png", whole_page=False)
    finally:
        browser.set_window_size(1400, 1000)


def test_docs_render_the_openapi_document(browser: Any, base_url: str) -> None:
    title = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["info"]["title"]
    browser.get(base_url + "/docs")
    heading = WebDriverWait(browser, WAIT).until(
        lambda b: next(iter(b.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title")), None)
    )
    assert title in heading.text
    assert browser.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")
    assert browser.find_elements(By.CSS_SELECTOR, '.opblock-summary-path[data-path="/v1/provenance"]')
    assert console_errors(browser) == []
    screenshot(browser, "docs.png")
