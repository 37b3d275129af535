"""`make bench`: run every benchmark in bench/ and print its figures.

A benchmark is a module bench/<name>.py that defines `main()`; each runs in its
own process (they configure Django differently) and in name order. Give names to
run only some: `.venv/bin/python bench/run.py engine`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def benchmarks() -> list[Path]:
    found = []
    for path in sorted(BENCH.glob("*.py")):
        if path.name in ("run.py", "__init__.py") or path.name.startswith("_"):
            continue
        if re.search(r"^def main\(", path.read_text(encoding="utf-8"), re.MULTILINE):
            found.append(path)
    return found


def main() -> int:
    wanted = set(sys.argv[1:])
    failed = []
    for path in benchmarks():
        if wanted and path.stem not in wanted:
            continue
        print(f"=== bench/{path.name}", flush=True)
        runner = (
            # the project, and bench/ itself: a benchmark imports its siblings
            f"import runpy, sys; "
            f"sys.path[:0] = [{str(BENCH.parent)!r}, {str(BENCH)!r}]; "
            f"sys.exit(runpy.run_path({str(path)!r})['main']())"
        )
        code = subprocess.call([sys.executable, "-c", runner], cwd=BENCH.parent)
        if code:
            failed.append(path.name)
    if failed:
        print(f"failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
