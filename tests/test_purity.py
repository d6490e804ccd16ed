"""coach_rules stays pure: no Telegram, storage, scheduler, plotting, disk or clock."""

from __future__ import annotations

import ast
import re
from pathlib import Path

DOMAIN = Path(__file__).resolve().parent.parent / "coach_rules"
FORBIDDEN_MODULES = {
    "telegram",
    "tinydb",
    "apscheduler",
    "matplotlib",
    "PIL",
    "os",
    "pathlib",
    "io",
    "time",
    "socket",
    "shutil",
    "sqlite3",
    "zoneinfo",
}
CLOCK_READS = re.compile(r"\b(datetime\.now|date\.today|datetime\.utcnow|time\.time)\(|\bopen\(")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_has_modules_to_scan() -> None:
    assert len(list(DOMAIN.glob("*.py"))) >= 8


def test_domain_imports_nothing_impure() -> None:
    offenders = {
        path.name: sorted(_imports(path) & FORBIDDEN_MODULES) for path in DOMAIN.glob("*.py")
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_domain_never_reads_clock_or_disk() -> None:
    hits = [
        f"{path.name}: {match.group(0)}"
        for path in DOMAIN.glob("*.py")
        for match in CLOCK_READS.finditer(path.read_text())
    ]
    assert hits == []
