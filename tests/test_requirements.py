"""Every third-party package the portal imports at run time is pinned in
requirements.txt (or the Makefile's PROVINCES), which is all `make demo` and
production install: a package that only arrives with the test tools
(requirements-dev.txt) would pass the suite and break a fresh deployment."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys

from tests.test_architecture import ROOT, project_files


def _pinned(path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==", line.strip())
        if match:
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def _imported_top_level() -> dict[str, str]:
    """Top-level module → a file importing it, for every project module."""
    local = {path.name for path in ROOT.iterdir()}
    found: dict[str, str] = {}
    for path in project_files().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if (
                    top in sys.stdlib_module_names
                    or top in local
                    or top == "__future__"
                ):
                    continue
                found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_pinned_for_production():
    pinned = _pinned(ROOT / "requirements.txt")
    # installed by the Makefile beside requirements.txt (it declares Python 3.12)
    provinces = re.search(
        r"^PROVINCES := (\S+)$", (ROOT / "Makefile").read_text(), re.M
    )
    pinned |= {provinces.group(1).split("==")[0]}
    provided = importlib.metadata.packages_distributions()
    missing = {}
    for module, where in _imported_top_level().items():
        distributions = {
            re.sub(r"[-_.]+", "-", name).lower() for name in provided.get(module, [])
        }
        assert distributions, f"{module} (imported by {where}) is not installed"
        if not distributions & pinned:
            missing[module] = (where, sorted(distributions))
    assert missing == {}


def test_redis_replies_are_parsed_in_c():
    """hiredis (requirements.txt) is what redis-py parses replies with: without
    it a citizen's Redis round trips cost a tenth more CPU, silently."""
    from redis.utils import HIREDIS_AVAILABLE

    assert "hiredis" in _pinned(ROOT / "requirements.txt")
    assert HIREDIS_AVAILABLE
