"""Babel for every channel: locale choice, catalogs and the `translate` commands.

Each channel keeps its own catalog (``channels/<channel>/translations``) so that the
channels can grow apart without stepping on one another; Flask-Babel merges them.
Japanese is the default locale and English is complete. The `.po` files live in the
repository; their `.mo` files are compiled when the app starts (and by
``flask --app channels translate compile``), so nothing compiled is committed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale

LOCALES = ("ja", "en")
DEFAULT_LOCALE = "ja"
LOCALE_COOKIE = "lang"
CHANNELS_DIR = Path(__file__).parent
CHANNEL_NAMES = ("web", "phone", "counter")
ROOT = CHANNELS_DIR.parent

babel = Babel()


def translation_dirs() -> list[Path]:
    return [CHANNELS_DIR / name / "translations" for name in CHANNEL_NAMES]


def select_locale() -> str:
    """An explicit choice (remembered in a cookie), then Accept-Language, then
    Japanese. A channel may fix the locale for its requests (the phone is Japanese)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    forced = getattr(g, "locale", None)
    if forced in LOCALES:
        return forced
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LOCALE


def compile_catalogs(force: bool = False) -> list[Path]:
    """Compile each `.po` whose `.mo` is missing or older; returns what was written."""
    written = []
    for directory in translation_dirs():
        for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
            mo_path = po_path.with_suffix(".mo")
            if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parts[-3])
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config.get("TOWN_TIMEZONE", "Asia/Tokyo"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in translation_dirs())
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = current_locale
    app.cli.add_command(translate)


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)


@click.group()
def translate() -> None:
    """Extract, update and compile the channels' message catalogs."""


def _channel_option(fn):
    return click.option(
        "--channel", "channels", multiple=True, type=click.Choice(CHANNEL_NAMES),
        help="Only this channel (repeatable); all channels by default.",
    )(fn)


@translate.command("update")
@_channel_option
def update_command(channels: tuple[str, ...]) -> None:
    """Extract the strings of each channel and merge them into its .po files."""
    for name in channels or CHANNEL_NAMES:
        source = CHANNELS_DIR / name
        directory = source / "translations"
        pot = directory / "messages.pot"
        directory.mkdir(exist_ok=True)
        _pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                 "--no-location",
                 "--sort-output", "-o", str(pot), str(source))
        for locale in LOCALES:
            po = directory / locale / "LC_MESSAGES" / "messages.po"
            if po.exists():
                _pybabel("update", "-i", str(pot), "-d", str(directory), "-l", locale,
                         "--no-fuzzy-matching", "--ignore-obsolete")
            else:
                _pybabel("init", "-i", str(pot), "-d", str(directory), "-l", locale)


@translate.command("compile")
def compile_command() -> None:
    """Compile every .po into .mo (the app also does this when it starts)."""
    for path in compile_catalogs(force=True):
        click.echo(f"compiled {path.relative_to(ROOT)}")


def missing_translations(locale: str) -> dict[str, list[str]]:
    """Per channel, the msgids of the channel's sources that the locale's catalog
    lacks or leaves untranslated: what a test fails on."""
    from babel.messages.extract import extract_from_dir

    missing: dict[str, list[str]] = {}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2"),
                  ("**/templates/**.txt", "jinja2")]
    for name in CHANNEL_NAMES:
        source = CHANNELS_DIR / name
        po_path = source / "translations" / locale / "LC_MESSAGES" / "messages.po"
        if not source.exists():
            continue
        ids = set()
        for _, _, message, _, _ in extract_from_dir(
            str(source), method_map=method_map,
            keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None,
                      "ngettext": (1, 2), "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)},
            options_map={"**/templates/**": {"extensions": "jinja2.ext.do"}},
        ):
            ids.add(message if isinstance(message, str) else message[0])
        catalog = {}
        if po_path.exists():
            with po_path.open("rb") as po_file:
                catalog = {m.id if isinstance(m.id, str) else m.id[0]: m
                           for m in read_po(po_file, locale=locale) if m.id}
        lacking = sorted(
            i for i in ids
            if i not in catalog or not catalog[i].string or catalog[i].fuzzy
            or (isinstance(catalog[i].string, tuple) and not all(catalog[i].string))
        )
        if lacking:
            missing[name] = lacking
    return missing
