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


# ------------------------------------------------- the channels reach the core by one door

# What a channel imports from the core: the services package (its operations, the value
# types they return and the vocabularies) and the errors. Nothing else, but for these
# modules and names, each for its reason.
CHANNEL_DOOR = {"reservations.services", "reservations.errors"}
ALLOWED_BESIDE_THE_DOOR = {
    # The app factory binds Flask-Migrate to the core's metadata and column types.
    "channels": {"reservations.db": {"db", "render_migration_type"}},
    # The demo town goes straight into the catalog's tables: no service adds facilities.
    "channels.demo": {
        "reservations.db": {"db", "write_transaction"},
        "reservations.models": {
            "ExemptionCategory",
            "Facility",
            "FacilityCategory",
            "Fee",
            "Part",
            "Resident",
            "Staff",
            "TimeBlock",
            "Unit",
        },
        "reservations.text": {"search_key"},
    },
    # The phone keeps its call state in tables of its own, on the shared extension; a
    # step writes them on a connection of its own, a statement at a time (issue 19).
    "channels.phone.models": {"reservations.db": {"AwareDateTime", "db"}},
    "channels.phone.calls": {
        "reservations.db": {"db", "write_transaction", "own_connection", "own_write"}
    },
    "channels.phone.commands": {"reservations.db": {"db"}},
    "channels.phone.stats": {"reservations.db": {"db"}},
}


def core_imports_of(root: Path) -> list[tuple[str, str, str | None]]:
    """(channel module, core module, name) for every import of the core under `root`;
    `from reservations import services` is the module reservations.services."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                found += [(module, alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if node.module == "reservations":
                        found.append((module, f"reservations.{alias.name}", None))
                    else:
                        found.append((module, node.module, alias.name))
    return [entry for entry in found if entry[1].split(".")[0] == "reservations"]


def door_offenders(root: Path) -> list[str]:
    offenders = []
    for module, core_module, name in core_imports_of(root):
        if core_module in CHANNEL_DOOR:
            continue
        allowed = ALLOWED_BESIDE_THE_DOOR.get(module, {}).get(core_module, set())
        if name is None or name not in allowed:
            offenders.append(f"{module}: {core_module}" + (f".{name}" if name else ""))
    return offenders


def test_channels_import_only_the_services_and_the_errors():
    assert door_offenders(CHANNELS) == []


def test_the_door_check_would_catch_a_channel_reaching_past_it(tmp_path):
    package = tmp_path / "channels"
    (package / "web").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "web" / "views.py").write_text(
        "from reservations import rules, services\n"
        "from reservations.models import Reservation\n"
        "from reservations.services.booking import book\n"
        "from reservations.errors import ErrorCode\n"
    )
    (package / "demo.py").write_text("from reservations.db import engine\n")
    assert door_offenders(package) == [
        "channels.demo: reservations.db.engine",
        "channels.web.views: reservations.rules",
        "channels.web.views: reservations.models.Reservation",
        "channels.web.views: reservations.services.booking.book",
    ]


# --------------------------------------------------------------- the services package

SERVICES = CORE / "services"
SERVICE_MODULE_MAX_LINES = 600


def test_the_core_has_no_import_cycle():
    assert import_cycles(channel_imports(CORE)) == []


def test_no_service_module_is_over_600_lines():
    lengths = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in SERVICES.glob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > SERVICE_MODULE_MAX_LINES} == {}


def test_services_is_a_package_and_the_old_module_is_gone():
    assert (SERVICES / "__init__.py").is_file() and not (CORE / "services.py").exists()


# ------------------------------------------------------------ error codes are enums


def _enum_values(*enums) -> set[str]:
    return {member.value for enum in enums for member in enum}


def literal_codes(roots: list[Path]) -> list[str]:
    """String literals that spell an ErrorCode where a code is compared, or a finer
    reason (a problem, an action) where one is compared: each should be its enum's
    member, so that renaming one is a change the tests see."""
    from reservations.errors import (
        ErrorCode,
        ForbiddenAction,
        InputProblem,
        NotAllowedProblem,
        ReasonFor,
    )

    codes = _enum_values(ErrorCode)
    reasons = _enum_values(InputProblem, NotAllowedProblem, ForbiddenAction, ReasonFor)
    offenders = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Compare):
                    continue
                source = ast.unparse(node)
                spelled = set()
                if "code" in source:
                    spelled |= codes
                if "problem" in source or "action" in source:
                    spelled |= reasons
                offenders += [
                    f"{path.name}:{node.lineno}: {part.value!r}"
                    for part in ast.walk(node)
                    if isinstance(part, ast.Constant) and part.value in spelled
                ]
    return offenders


def test_no_error_code_or_reason_is_a_string_literal():
    assert literal_codes([CORE, CHANNELS]) == []


def test_the_literal_check_would_catch_one(tmp_path):
    (tmp_path / "bad.py").write_text(
        'if error.code == "slot_taken": pass\n'
        'if params.get("problem") == "last_admin": pass\n'
        'raise InvalidInput(field="pin", problem=InputProblem.FORMAT)\n'
    )
    assert literal_codes([tmp_path]) == ["bad.py:1: 'slot_taken'", "bad.py:2: 'last_admin'"]
