"""A check every HTML page must pass, after GOV.UK Notify's admin tests: a language,
a title, one h1, a main landmark and a skip link into it, every form control labelled, no
repeated ids, and on an error page a title starting with 「エラー:」/"Error:"."""

from __future__ import annotations

from bs4 import BeautifulSoup

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
ERROR_PREFIXES = {"ja": "エラー:", "en": "Error:"}


def _is_labelled(soup: BeautifulSoup, control) -> bool:
    if control.get("aria-label", "").strip():
        return True
    labelledby = control.get("aria-labelledby", "").split()
    if labelledby and all(soup.find(id=i) for i in labelledby):
        return True
    if control.find_parent("label") is not None:
        return True
    control_id = control.get("id")
    return bool(control_id) and soup.find("label", attrs={"for": control_id}) is not None


def check_page(html: str | bytes) -> BeautifulSoup:
    """Parse the page, assert the checks, return the soup for further assertions."""
    soup = BeautifulSoup(html, "html.parser")
    lang = soup.html.get("lang") if soup.html else None
    assert lang in ("ja", "en"), f"<html lang> is {lang!r}"
    assert soup.title and soup.title.get_text(strip=True), "the page has no <title>"
    h1s = soup.find_all("h1")
    assert len(h1s) == 1, f"expected one <h1>, found {len(h1s)}"
    assert soup.find("main") is not None, "no <main> landmark"
    skip = soup.find("a", class_="skip-link")
    assert skip is not None and skip["href"].startswith("#"), "no skip link"
    target = soup.find(id=skip["href"][1:])
    # to the main content, or straight to the page's main task inside it
    assert target is not None and (target.name == "main" or target.find_parent("main")), (
        f"the skip link points to {skip['href']}, not into <main>"
    )

    ids = [element["id"] for element in soup.find_all(id=True)]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"repeated ids: {repeated}"

    for control in soup.find_all(["input", "select", "textarea"]):
        if control.name == "input" and control.get("type", "text") in UNLABELLED_INPUT_TYPES:
            continue
        assert _is_labelled(soup, control), f"unlabelled control: {control}"

    for element in soup.find_all(attrs={"aria-describedby": True}):
        for target in element["aria-describedby"].split():
            assert soup.find(id=target), f"aria-describedby points to missing #{target}"

    summary = soup.find(class_="error-summary")
    title = soup.title.get_text(strip=True)
    if summary is not None:
        assert title.startswith(ERROR_PREFIXES[lang]), f"error page title {title!r}"
        for link in summary.find_all("a", href=True):
            target = link["href"].lstrip("#")
            assert soup.find(id=target), f"error summary links to missing #{target}"
    else:
        assert not title.startswith(ERROR_PREFIXES[lang]), f"title {title!r} without errors"
    return soup
