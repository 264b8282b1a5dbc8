"""The resident's real experience: Playwright driving Debian's Chromium against the
app served on 127.0.0.1, with axe-core checking every page.

Chromium comes from Debian (`apt-get install -y chromium`); Playwright's own browser
downloads are never used. Without Chromium these tests skip with a reason, and with
CI=true a skip fails the run.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from werkzeug.serving import make_server

from channels import create_app, demo
from tests.conftest import app_config, fresh_sqlite_url
from tests.factories import at

# Tuesday 1 December 2026, 10:00 in the town: December and January are open for booking.
E2E_NOW = at(2026, 12, 1, 10)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str | None:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pytest_collection_modifyitems(config, items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    executable = chromium_executable()
    if executable is None:
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args) -> dict:
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@dataclass
class LiveServer:
    url: str
    app: Flask
    seed: demo.SeedReport

    def resident(self, note_fragment: str) -> demo.ResidentLine:
        """A demo resident by a word of its note, e.g. "landline" or "non-resident"."""
        return next(r for r in self.seed.residents if note_fragment in r.note)


@pytest.fixture
def live_server(sqlite_template, tmp_path) -> Iterator[LiveServer]:
    """The whole app with the demo town loaded, its clock fixed at E2E_NOW."""
    app = create_app(app_config(fresh_sqlite_url(sqlite_template, tmp_path), CLOCK=lambda: E2E_NOW))
    with app.app_context():
        seed = demo.seed(now=E2E_NOW)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, seed)
    finally:
        server.shutdown()
        thread.join(timeout=5)


def assert_no_axe_violations(page) -> None:
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


FOCUS_STYLE_SCRIPT = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: (el.innerText || el.value || el.id || '').slice(0, 40),
          outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth)};
}"""


def assert_focus_visible(page) -> dict:
    """The focused element shows an outline of at least 2px."""
    focus = page.evaluate(FOCUS_STYLE_SCRIPT)
    assert focus["tag"] not in ("BODY", "HTML"), "nothing has focus"
    assert focus["outlineStyle"] not in ("none", "") and focus["outlineWidth"] >= 2, focus
    return focus


def assert_all_content_in_landmarks(page) -> None:
    """axe's best-practice rule `region`: no content (a back link, a notice) outside
    the page's landmarks, where a screen reader's landmark navigation never finds it."""
    results = Axe().run(
        page,
        options={"runOnly": {"type": "rule", "values": ["region"]}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


# Every ruby's base text followed by its reading ("次" + "つぎ"), as a name that
# includes the furigana would spell it.
# Pairs that the plain text (readings left out) has anyway (日にち) are left out.
RUBY_PAIRS = """() => {
  const plain = document.body.cloneNode(true);
  plain.querySelectorAll('rt, rp').forEach(el => el.remove());
  const text = plain.textContent;
  return Array.from(document.querySelectorAll('ruby')).map(ruby => {
    const base = Array.from(ruby.childNodes).filter(n => n.nodeType === Node.TEXT_NODE)
      .map(n => n.textContent).join('');
    const reading = Array.from(ruby.querySelectorAll('rt')).map(rt => rt.textContent).join('');
    return base + reading;
  }).filter(pair => !text.includes(pair));
}"""
NAMED_ROLES = {"button", "link", "checkbox", "radio", "textbox", "combobox", "heading"}


def accessible_names(page) -> list[tuple[str, str]]:
    """(role, name) of the page's controls and headings, as Chromium's accessibility
    tree computes them (what a screen reader announces)."""
    session = page.context.new_cdp_session(page)
    try:
        tree = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    named = []
    for node in tree:
        role = (node.get("role") or {}).get("value")
        if role in NAMED_ROLES and not node.get("ignored"):
            named.append((role, (node.get("name") or {}).get("value", "")))
    return named


def assert_names_without_readings(page) -> list[tuple[str, str]]:
    """No control's or heading's accessible name includes furigana (「次つぎへ」): the
    readings are for the eye, a screen reader reads the plain text."""
    pairs = set(page.evaluate(RUBY_PAIRS))
    named = accessible_names(page)
    doubled = [(role, name) for role, name in named if any(pair in name for pair in pairs)]
    assert doubled == [], f"{page.url}: names with their readings {doubled[:5]}"
    return named


# Every element inside the screen's width, and no state word (受付終了), reservation
# number or big number broken over two lines.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, .skip-link')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className}: ${(el.innerText || '').slice(0, 30)}`);
    }
  }
  // Broken: the visible text (not a reading, not a screen-reader-only part) of the
  // element lies on more than one line. A table cell's height says nothing (its row
  // may be taller), so the text's own boxes are measured.
  const broken = [];
  for (const el of document.querySelectorAll('.status, .reservation-number, .big-number')) {
    const style = getComputedStyle(el);
    const fontSize = parseFloat(style.fontSize);
    const line = parseFloat(style.lineHeight) || 1.2 * fontSize;
    const tops = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest('rt, rp, .visually-hidden')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const box of range.getClientRects()) {
        if (box.width > 0 && box.height > 0) tops.push(box.top);
      }
    }
    if (tops.length && Math.max(...tops) - Math.min(...tops) > 0.6 * line) {
      broken.push(el.innerText);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5), broken};
}"""


def assert_fits(page) -> None:
    """No sideways scroll, nothing wider than the screen, no state or number broken."""
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], (page.url, found)
    assert found["wide"] == [] and found["broken"] == [], (page.url, found)
