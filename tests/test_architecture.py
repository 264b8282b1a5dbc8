"""The core stays pure: nothing in reservations/ imports a channel or reads Flask's
request state, HTML or TwiML. (Sending an SMS through Twilio's REST API is the
notifier's job and is allowed; composing TwiML is the phone channel's.)"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "reservations"
FORBIDDEN_MODULES = ("channels", "twilio.twiml", "jinja2", "wtforms", "flask_wtf", "flask_babel")
FORBIDDEN_FLASK_NAMES = {"request", "session", "g", "render_template", "redirect", "url_for"}


def core_imports():
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name, None
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    yield path, node.module or "", alias.name


def test_the_core_imports_no_channel_and_no_presentation_library():
    offenders = [
        f"{path.name}: {module}"
        for path, module, _ in core_imports()
        if any(
            module == forbidden or module.startswith(forbidden + ".")
            for forbidden in FORBIDDEN_MODULES
        )
    ]
    assert offenders == []


def test_the_core_never_touches_flask_request_state():
    offenders = [
        f"{path.name}: from {module} import {name}"
        for path, module, name in core_imports()
        if module.split(".")[0] == "flask" and name in FORBIDDEN_FLASK_NAMES
    ]
    offenders += [
        f"{path.name}: flask.{attribute}"
        for path in sorted(CORE.rglob("*.py"))
        for attribute in FORBIDDEN_FLASK_NAMES
        if f"flask.{attribute}" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_check_would_catch_an_offender(tmp_path, monkeypatch):
    (tmp_path / "bad.py").write_text("from flask import request\nimport channels.web\n")
    monkeypatch.setattr(sys.modules[__name__], "CORE", tmp_path)
    found = list(core_imports())
    assert ("channels.web" in [m for _, m, _ in found]) and ("request" in [n for *_, n in found])
