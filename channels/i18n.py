"""Babel for every channel: locale choice, catalogs and the `translate` commands.

Each channel keeps its own catalog (``channels/<channel>/translations``) so that the
channels can grow apart without stepping on one another; the shared layout and
helpers (``channels/templates``, ``channels/*.py``) have the ``common`` catalog
(``channels/translations``). A request to a channel's blueprint is translated with
that channel's catalog over the common one (its own Babel domain), so the same
English msgid may read differently in two channels: 'Booked' is 予約済み on the
web's availability table and 予約 in the counter's audit trail.
Japanese is the default locale; English and やさしい日本語 (easy Japanese, the locale
``ja@easy``: Babel formats it as Japanese, and gettext falls back from it to ``ja``)
are complete for the web and the shared catalog. The `.po` files live in the
repository; their `.mo` files are compiled when the app starts (and by
``flask --app channels translate compile``), so nothing compiled is committed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, abort, current_app, g, has_request_context, redirect, request
from flask_babel import Babel, Domain, get_domain, get_locale

from .security import safe_next

EASY_JAPANESE = "ja@easy"
LOCALES = ("ja", EASY_JAPANESE, "en")
# The languages as the switch names them, each in itself.
LANGUAGE_NAMES = {"ja": "日本語", EASY_JAPANESE: "やさしい日本語", "en": "English"}
DEFAULT_LOCALE = "ja"
LOCALE_COOKIE = "lang"
CHANNELS_DIR = Path(__file__).parent
CHANNEL_NAMES = ("web", "phone", "counter")
CATALOG_NAMES = ("common", *CHANNEL_NAMES)
ROOT = CHANNELS_DIR.parent

babel = Babel()


def catalog_dir(name: str) -> Path:
    return (
        CHANNELS_DIR / "translations" if name == "common" else CHANNELS_DIR / name / "translations"
    )


def catalog_sources(name: str) -> list[Path]:
    """What each catalog's strings are extracted from."""
    if name == "common":
        return [CHANNELS_DIR / "templates", *sorted(CHANNELS_DIR.glob("*.py"))]
    return [CHANNELS_DIR / name]


def translation_dirs() -> list[Path]:
    return [catalog_dir(name) for name in CATALOG_NAMES]


def select_locale() -> str:
    """An explicit choice (remembered in a cookie), then Accept-Language, then
    Japanese. A channel may fix the locale for its requests (the phone is Japanese)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    forced = getattr(g, "locale", None)
    if forced in LOCALES:
        return forced
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen == EASY_JAPANESE and _staff_page():
        return DEFAULT_LOCALE  # the counter's pages are in Japanese or English
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    """The language of the page, "ja" or "en": easy Japanese is Japanese (its dates,
    numbers, `lang`)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def locale_code() -> str:
    """The language chosen, one of LOCALES: tells easy Japanese from Japanese."""
    locale = get_locale()
    return str(locale) if locale is not None else DEFAULT_LOCALE


def easy_japanese() -> bool:
    return locale_code() == EASY_JAPANESE


def switch_locales() -> dict[str, str]:
    """The languages the page's switch offers: easy Japanese on the residents' pages
    only (the counter's staff work in Japanese or English)."""
    staff = has_request_context() and _staff_page()
    return {
        code: name for code, name in LANGUAGE_NAMES.items() if not staff or code != EASY_JAPANESE
    }


def _staff_page() -> bool:
    return (request.blueprint or "").split(".")[0] == "counter"


def _fallback_strings(po_path: Path) -> dict:
    """What a locale's untranslated messages fall back to: easy Japanese to Japanese
    (a string added since the easy catalog was filled reads as Japanese, not English)."""
    if po_path.parts[-3] != EASY_JAPANESE:
        return {}
    plain = po_path.parents[2] / DEFAULT_LOCALE / "LC_MESSAGES" / "messages.po"
    if not plain.exists():
        return {}
    with plain.open("rb") as po_file:
        return {m.id: m.string for m in read_po(po_file, locale=DEFAULT_LOCALE) if m.id}


def compile_catalogs(force: bool = False) -> list[Path]:
    """Compile each `.po` whose `.mo` is missing or older; returns what was written."""
    written = []
    for directory in translation_dirs():
        for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
            mo_path = po_path.with_suffix(".mo")
            if (
                not force
                and mo_path.exists()
                and mo_path.stat().st_mtime >= po_path.stat().st_mtime
            ):
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parts[-3])
            fallback = _fallback_strings(po_path)
            for message in catalog:
                if message.id and not _translated(message) and fallback.get(message.id):
                    message.string, message.flags = fallback[message.id], set()
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            written.append(mo_path)
    return written


@contextmanager
def channel_catalog(name: str) -> Iterator[None]:
    """Word text with one channel's catalog outside its requests (the worker wording an
    SMS with the phone's catalog), then give the previous catalog back."""
    previous = get_domain()
    current_app.extensions["channel_catalogs"][name].as_default()
    try:
        yield
    finally:
        previous.as_default()


bp = Blueprint("language", __name__)


@bp.get("/language/<code>")
def choose_language(code: str):
    """The language switch: remembered in a cookie for a year, then back to the page."""
    if code not in LOCALES:
        abort(404)
    response = redirect(safe_next(request.args.get("next"), "/"))
    response.set_cookie(
        LOCALE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TOWN_TIMEZONE", "Asia/Tokyo"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(catalog_dir("common"))
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale)
    domains = {
        name: Domain([str(catalog_dir("common")), str(catalog_dir(name))]) for name in CHANNEL_NAMES
    }

    app.extensions["channel_catalogs"] = domains

    @app.before_request
    def use_the_channels_catalog() -> None:
        domain = domains.get((request.blueprint or "").split(".")[0])
        if domain is not None:
            domain.as_default()

    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["locale_code"] = locale_code
    app.jinja_env.globals["switch_locales"] = switch_locales
    app.cli.add_command(translate)
    app.register_blueprint(bp)


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@click.group()
def translate() -> None:
    """Extract, update and compile the channels' message catalogs."""


@translate.command("update")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    type=click.Choice(CATALOG_NAMES),
    help="Only this catalog (repeatable); all of them by default.",
)
def update_command(channels: tuple[str, ...]) -> None:
    """Extract the strings of each catalog's sources and merge them into its .po files."""
    for name in channels or CATALOG_NAMES:
        directory = catalog_dir(name)
        pot = directory / "messages.pot"
        directory.mkdir(exist_ok=True)
        sources = [str(path) for path in catalog_sources(name) if path.exists()]
        _pybabel(
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "-o",
            str(pot),
            *sources,
        )
        for locale in LOCALES:
            po = directory / locale / "LC_MESSAGES" / "messages.po"
            if po.exists():
                _pybabel(
                    "update",
                    "-i",
                    str(pot),
                    "-d",
                    str(directory),
                    "-l",
                    locale,
                    "--no-fuzzy-matching",
                    "--ignore-obsolete",
                )
            elif name in REQUIRED_CATALOGS[locale]:
                _pybabel("init", "-i", str(pot), "-d", str(directory), "-l", locale)


@translate.command("compile")
def compile_command() -> None:
    """Compile every .po into .mo (the app also does this when it starts)."""
    for path in compile_catalogs(force=True):
        click.echo(f"compiled {path.relative_to(ROOT)}")


KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
# The catalogs each locale must fill: the counter's staff and the phone's voice work
# in Japanese and English; easy Japanese is for residents on the web (and their SMS,
# whose messages tests/channels/phone check on their own).
REQUIRED_CATALOGS = {"ja": CATALOG_NAMES, "en": CATALOG_NAMES, EASY_JAPANESE: ("common", "web")}
METHOD_MAP = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.txt", "jinja2"),
    ("**.html", "jinja2"),
]
OPTIONS_MAP = {"**.html": {"extensions": "jinja2.ext.do"}}


def source_messages(name: str) -> set[str]:
    """The msgids used in a catalog's sources."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    ids: set[str] = set()
    for path in catalog_sources(name):
        if path.is_dir():
            found = extract_from_dir(
                str(path), method_map=METHOD_MAP, keywords=KEYWORDS, options_map=OPTIONS_MAP
            )
            messages = (message for _, _, message, _, _ in found)
        elif path.exists():
            method = "python" if path.suffix == ".py" else "jinja2"
            messages = (
                message
                for _, message, _, _ in extract_from_file(method, str(path), keywords=KEYWORDS)
            )
        else:
            continue
        ids.update(m if isinstance(m, str) else m[0] for m in messages)
    return ids


def _translated(message) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def missing_translations(locale: str) -> dict[str, list[str]]:
    """Per catalog, the msgids of its sources that the locale's catalog lacks or leaves
    untranslated or fuzzy: what a test fails on."""
    missing: dict[str, list[str]] = {}
    for name in REQUIRED_CATALOGS.get(locale, CATALOG_NAMES):
        po_path = catalog_dir(name) / locale / "LC_MESSAGES" / "messages.po"
        catalog = {}
        if po_path.exists():
            with po_path.open("rb") as po_file:
                catalog = {
                    m.id if isinstance(m.id, str) else m.id[0]: m
                    for m in read_po(po_file, locale=locale)
                    if m.id
                }

        lacking = sorted(i for i in source_messages(name) if not _translated(catalog.get(i)))
        if lacking:
            missing[name] = lacking
    return missing
