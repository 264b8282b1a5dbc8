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


# ---------------------------------------------------------------- the channels' modules

CHANNELS = CORE.parent / "channels"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def channel_imports(root: Path) -> dict[str, set[str]]:
    """Each module of the package at `root` with the modules of that package it imports
    (relative or absolute, `from . import x` as the module x, TYPE_CHECKING included)."""
    paths = {_module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(max(node.level - 1, 0)):
                    base = base.rpartition(".")[0]
                module = node.module or ""
                if node.level:
                    module = f"{base}.{module}" if module else base
                found |= {
                    f"{module}.{alias.name}" if f"{module}.{alias.name}" in paths else module
                    for alias in node.names
                }
        graph[name] = {module for module in found if module in paths and module != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_the_channels_have_no_import_cycle():
    assert import_cycles(channel_imports(CHANNELS)) == []


def test_the_cycle_check_would_catch_one(tmp_path):
    package = tmp_path / "pkg"
    (package / "menus").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "flow.py").write_text("from .menus import NODES\n")
    (package / "menus" / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..flow import Turn\n"
    )
    assert import_cycles(channel_imports(package)) == [["pkg.flow", "pkg.menus"]]


def test_counter_pages_share_helpers_through_common_not_views():
    graph = channel_imports(CHANNELS)
    importers = {name for name, imported in graph.items() if "channels.counter.views" in imported}
    assert importers == {"channels.counter"}  # the package, which registers its routes
