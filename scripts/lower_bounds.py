"""Print pip constraints pinning every direct dependency of pyproject.toml to its lower bound.

`make test-min` installs with these, so a lower bound that no longer works fails a test
instead of failing a user who happens to have the old release.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

LOWER = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*([^;#]*)")


def lower_bounds(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    pins: dict[str, str] = {}
    for requirement in requirements:
        match = LOWER.match(requirement)
        if not match:
            continue
        name, spec = match.group(1), match.group(2)
        bound = re.search(r">=\s*([0-9][^,\s]*)", spec)
        if bound and not name.startswith("replykit"):
            pins[name.lower()] = f"{name}=={bound.group(1)}"
    return sorted(pins.values())


if __name__ == "__main__":
    print("\n".join(lower_bounds(Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml"))))
