"""The shape of the house: no import circle between modules, rooms that keep to their
stage, modules small enough to read, and slow tests marked so that `make test-fast`
can leave them out."""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "monitor"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of monitor/ and the modules of monitor/ it imports, at any depth of code."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from monitor.cli import run` names a module; `from monitor.x import f`, a name.
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            for t in targets:
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t.startswith("monitor") and t != name:
                    graph[name].add(t)
    return graph


def test_no_module_imports_itself_through_others() -> None:
    try:
        order = list(TopologicalSorter(imports()).static_order())
    except CycleError as exc:
        raise AssertionError(f"import circle: {' -> '.join(exc.args[1])}") from None
    assert "monitor.types" in order


def room_of(module: str) -> str:
    """A module's room: the deepest folder under monitor/ that holds it (match.lang),
    or the module itself at the top of monitor/ (app)."""
    parts = module.split(".")[1:]
    while parts and not PACKAGE.joinpath(*parts).is_dir():
        parts = parts[:-1]
    return ".".join(parts) or module.split(".")[-1]


def room_order() -> list[set[str]]:
    """docs/ARCHITECTURE.md's order of the rooms, lowest first, a line a tier."""
    text = (REPO / "docs" / "ARCHITECTURE.md").read_text()
    block = text.split("<!-- rooms, lowest first")[1].split("-->", 1)[1]
    block = block.split("<!-- end of rooms -->")[0]
    return [set(line.split()) for line in block.splitlines() if line.strip()]


def test_every_room_imports_only_the_rooms_below_it() -> None:
    graph = imports()
    tier = {r: n for n, rooms in enumerate(room_order()) for r in rooms}
    rooms = {room_of(m) for m in graph if m != "monitor"}
    assert rooms == set(tier), "docs/ARCHITECTURE.md's order names every room, no other"
    wrong = sorted(
        f"{m} ({room_of(m)}) imports {d} ({room_of(d)})"
        for m, deps in graph.items()
        for d in deps
        if m != "monitor"
        and room_of(d) != room_of(m)
        and d != "monitor"
        and tier[room_of(d)] >= tier[room_of(m)]
    )
    assert wrong == []


def test_rooms_keep_to_their_stage() -> None:
    """Pure stages do no I/O of their own: they import neither the store nor the network,
    and nothing below the CLI reaches up into it or into the running app."""
    graph = imports()
    upward = {"monitor.cli", "monitor.app", "monitor.daemon", "monitor.demo", "monitor.web"}
    for name, deps in graph.items():
        room = name.split(".")[1] if "." in name else name
        if room not in ("cli", "app", "daemon", "demo", "web", "__main__"):
            reached = {d for d in deps if any(d == u or d.startswith(u + ".") for u in upward)}
            assert not reached, f"{name} reaches up into {sorted(reached)}"
        if room in ("identity", "match", "watchlists", "feeds"):
            io = {d for d in deps if d.startswith(("monitor.store", "monitor.fetch"))}
            assert not io, f"{name} is pure but imports {sorted(io)}"
    for name in graph:
        if not name.startswith("monitor.store"):
            assert "monitor.store.tables" not in graph[name], f"{name} uses the tables"


def test_no_module_is_too_long_to_read() -> None:
    long = {
        str(p.relative_to(REPO)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.slow
def test_the_slow_tests_are_marked_by_what_they_need() -> None:
    def collected(mark: str, *paths: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", mark, *paths],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return [line for line in out.stdout.splitlines() if "::" in line]

    on_pg = collected("postgres", "tests/test_search.py")
    assert "tests/test_search.py::test_postgresql_folds_as_the_matcher_does" in on_pg
    assert any("[postgres-" in t for t in on_pg) and not any("[sqlite-" in t for t in on_pg)
    fast = collected("not postgres and not browser and not wheel", "tests/test_search.py")
    assert fast and not set(fast) & set(on_pg)
    assert any("[sqlite-" in t for t in fast)
    wheel = collected("wheel", "tests/test_deploy.py")
    assert wheel == ["tests/test_deploy.py::test_install_script_makes_a_working_monitor"]
    browser = collected("browser", "tests/test_browser.py", "tests/test_search.py")
    assert browser and all(t.startswith("tests/test_browser.py::") for t in browser)
