"""The arrows of docs/architecture.md hold: no import cycle between files, no
import against the app order, no module past the size a newcomer can read.

The import graph is read from the source (ast), imports inside functions
included, so a deferred import that dodges a cycle at run time still counts.
Migrations are left out. An import of ``a.b.c`` is an edge to the most specific
project module it names (``from a.b import c`` is an edge to ``a.b.c`` when that
is a module, else to ``a.b``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The app order (docs/architecture.md): a module may import only from its own app
# and from apps of a lower rank. improvement and api share the top rank and do not
# import each other.
ORDER = [
    ["sipas"],
    ["agencies"],
    ["staff"],
    ["surveys"],
    ["reports"],
    ["dashboard"],
    ["invitations"],
    ["improvement", "api"],
]
RANK = {app: rank for rank, apps in enumerate(ORDER) for app in apps}
# audit is a side service: anyone may call audit.services; audit itself imports
# only from the apps below.
SIDE_SERVICE = {"audit": {"sipas", "agencies", "staff"}}
SIDE_SERVICE_ENTRY = {"audit.services"}
NOT_APPS = {"tests", "bench", "docs", "templates", "static", "locale", "var"}
MAX_LINES = 450
# Pure data (tables of text and numbers, no logic): allowed past MAX_LINES.
PURE_DATA = {"surveys/questionnaire_data.py"}

# Known violations, each with the issue whose move removes it. Shrink these lists
# as the moves land; the tests below also fail when an entry is no longer needed.
KNOWN_UPWARD: set[tuple[str, str]] = set()
KNOWN_CYCLES: list[set[str]] = []
KNOWN_LONG: set[str] = set()


def project_files() -> dict[str, Path]:
    """Module name → file, for every app module outside migrations."""
    apps = [
        path.parent
        for path in sorted(ROOT.glob("*/__init__.py"))
        if path.parent.name not in NOT_APPS
    ]
    modules = {}
    for path in [p for app in apps for p in sorted(app.rglob("*.py"))]:
        relative = path.relative_to(ROOT)
        if "migrations" in relative.parts:
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, source: str, modules: set[str]) -> set[str]:
    """The project modules that module `name` (with `source`) imports, anywhere
    in the file: at the top, inside functions, relative or absolute."""
    is_package = name in {m.rpartition(".")[0] for m in modules}
    package = name if is_package else name.rpartition(".")[0]

    def resolve(target: str) -> str:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target

    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(resolve(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else resolve(base))
    return found - {"", name}


def import_graph() -> dict[str, set[str]]:
    files = project_files()
    modules = set(files)
    return {
        name: imports_of(name, path.read_text(), modules)
        for name, path in files.items()
    }


def app_of(module: str) -> str:
    return module.partition(".")[0]


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    wrong = set()
    for source, targets in graph.items():
        here = app_of(source)
        for target in targets:
            there = app_of(target)
            if here == there or target in SIDE_SERVICE_ENTRY:
                continue
            if here in SIDE_SERVICE:
                allowed = there in SIDE_SERVICE[here]
            else:
                allowed = there in RANK and RANK[there] < RANK[here]
            if not allowed:
                wrong.add((source, target))
    return wrong


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_app_has_a_place_in_the_order():
    apps = {app_of(name) for name in project_files()}
    assert apps - set(RANK) - set(SIDE_SERVICE) == set()


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    modules = {"reports", "reports.engine", "reports.engine.sweep", "reports.tasks"}
    modules |= {"reports.engine.setup", "surveys", "surveys.services", "sipas"}
    source = """
from . import setup, sweep
from .. import tasks
import sipas.celery

def later():
    from surveys.services import submit_response
"""
    assert imports_of("reports.engine.recompute", source, modules) == {
        "reports.engine.setup",
        "reports.engine.sweep",
        "reports.tasks",
        "sipas",
        "surveys.services",
    }
    assert imports_of("reports", "from . import tasks", modules) == {"reports.tasks"}
    graph = import_graph()
    assert "sipas.celery" in graph["sipas"]  # `from .celery import app`
    assert "audit.receivers" in graph["audit.apps"]  # inside ready()


def test_no_import_cycle_between_files():
    found = cycles(import_graph())
    assert [c for c in found if c not in KNOWN_CYCLES] == []
    assert [c for c in KNOWN_CYCLES if c not in found] == [], "fixed: shrink the list"


def test_no_import_against_the_app_order():
    found = upward_imports(import_graph())
    assert sorted(found - KNOWN_UPWARD) == []
    assert sorted(KNOWN_UPWARD - found) == [], "fixed: shrink KNOWN_UPWARD"


def test_no_module_past_the_size_a_newcomer_can_read():
    # the apps, and the tests and benchmarks a newcomer reads beside them
    paths = [
        *project_files().values(),
        *ROOT.glob("tests/**/*.py"),
        *ROOT.glob("bench/**/*.py"),
    ]
    long = {
        str(path.relative_to(ROOT))
        for path in paths
        if len(path.read_text().splitlines()) > MAX_LINES
    }
    assert sorted(long - PURE_DATA - KNOWN_LONG) == []
    assert sorted(KNOWN_LONG - long) == [], "fixed: shrink KNOWN_LONG"


def test_the_checks_catch_what_they_are_for():
    graph = {"surveys.a": {"reports.b"}, "reports.b": {"surveys.a"}}
    assert cycles(graph) == [{"surveys.a", "reports.b"}]
    assert upward_imports(graph) == {("surveys.a", "reports.b")}
    assert upward_imports({"audit.x": {"reports.y"}}) == {("audit.x", "reports.y")}
    assert upward_imports({"reports.x": {"audit.services"}}) == set()
    assert upward_imports({"api.x": {"improvement.y"}}) == {("api.x", "improvement.y")}


def test_code_cites_docs_that_are_in_the_repository():
    outside = ("CONTRACT" + ".md", "SIPAS" + ".md")
    cited: set[str] = set()
    paths = [*project_files().values(), *ROOT.glob("tests/**/*.py")]
    for path in [*paths, *ROOT.glob("bench/**/*.py")]:
        relative = path.relative_to(ROOT)
        text = path.read_text()
        assert not any(name in text for name in outside), relative
        cited.update(re.findall(r"docs/[\w-]+\.md", text))
    assert cited  # the code does cite the docs
    assert sorted(name for name in cited if not (ROOT / name).exists()) == []
