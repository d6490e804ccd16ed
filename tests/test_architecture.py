"""The house rules, checked from the source.

- coach_rules imports nothing of bot.
- bot/ is grouped by feature; no feature imports another feature, and no core module
  (storage, scheduling, the bridge, the chat helpers...) imports a feature: only the
  wiring modules (the app factory and the command line) see them all.
- bot/ defines no coaching word, number or source: only the coaching bridge calls
  coach_rules' entry points; everything else may only name its types.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
DOMAIN = ROOT / "coach_rules"
FEATURES = ("reporting", "steps", "account", "insights", "nudges", "clubs", "files")
# The modules that wire features together (and so may import them all).
WIRING = {"bot.app", "bot.cli", "bot.ops", "bot.__main__"}
BRIDGE = "bot.coaching"
# What bot/ may import from coach_rules outside the bridge: value types, nothing that
# computes advice. The CLI's `prescribe` is an edge like the bridge: it has no records.
DOMAIN_TYPES = {
    "Activity",
    "Advice",
    "FileActivity",
    "Ask",
    "DaySteps",
    "History",
    "OpenPain",
    "ParseError",
    "Prescription",
    "Profile",
    "Recording",
    "Report",
    "Run",
    "RunKind",
    "Tip",
    "Track",
    "Units",
    "Walk",
    "WeeklyFigures",
}
# The one coaching constant storage needs: the default goal of a new runner's record.
STORED_DEFAULTS = {("bot.storage.records", "DEFAULT_STEP_GOAL")}


@dataclass(frozen=True)
class Import:
    """`from module import name` (name None for a plain `import module`)."""

    importer: str
    module: str
    name: str | None
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(importer: str, node: ast.ImportFrom, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(folder: Path) -> Iterator[Import]:
    """Every import statement of every module under `folder` (lazy ones included)."""
    for path in sorted(folder.rglob("*.py")):
        importer = _module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(importer, alias.name, None, node.lineno)
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(importer, node, path.name == "__init__.py")
                for alias in node.names:
                    yield Import(importer, module, alias.name, node.lineno)


def feature_of(module: str) -> str | None:
    """The feature a bot module belongs to, or None for core and wiring modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "bot" and parts[1] in FEATURES else None


def _targets(imp: Import) -> list[str]:
    # `from bot import steps` names the module bot.steps; `from bot.x import y` names bot.x.
    return [imp.module, f"{imp.module}.{imp.name}"] if imp.name else [imp.module]


def test_there_is_something_to_check() -> None:
    assert sum(1 for _ in imports(BOT)) > 100
    assert {f for imp in imports(BOT) if (f := feature_of(imp.importer))} == set(FEATURES)


def test_domain_imports_nothing_of_bot() -> None:
    offenders = [
        f"{imp.importer}:{imp.line}"
        for imp in imports(DOMAIN)
        if imp.module == "bot" or imp.module.startswith("bot.")
    ]
    assert offenders == []


def test_no_feature_imports_another() -> None:
    offenders = []
    for imp in imports(BOT):
        mine = feature_of(imp.importer)
        theirs = {f for t in _targets(imp) if (f := feature_of(t)) and f != mine}
        if mine and theirs:
            offenders.append(f"{imp.importer}:{imp.line} imports {sorted(theirs)}")
    assert offenders == []


def test_core_modules_import_no_feature() -> None:
    """Storage, scheduling, the bridge, the router...: below the features."""
    offenders = [
        f"{imp.importer}:{imp.line} imports {t}"
        for imp in imports(BOT)
        if feature_of(imp.importer) is None and imp.importer not in WIRING
        for t in _targets(imp)
        if feature_of(t)
    ]
    assert offenders == []


def test_the_scheduler_knows_no_feature() -> None:
    scheduling = [imp for imp in imports(BOT) if imp.importer.startswith("bot.scheduling")]
    assert scheduling, "bot.scheduling has no imports to check"
    assert [i for i in scheduling if any(feature_of(t) for t in _targets(i))] == []


def test_only_the_bridge_calls_the_domain() -> None:
    offenders = []
    for imp in imports(BOT):
        if imp.importer in (BRIDGE, "bot.cli") or not imp.module.startswith("coach_rules"):
            continue
        allowed = imp.name in DOMAIN_TYPES or (imp.importer, imp.name) in STORED_DEFAULTS
        if not allowed:
            offenders.append(f"{imp.importer}:{imp.line} {imp.module}.{imp.name}")
    assert offenders == []


# What would mean that bot/ wrote coaching knowledge itself.
COACHING_TEXT = {
    "a source id": re.compile(r"\b[AB][0-9]{1,2}\b"),
    "a source's name": re.compile(r"MSSE|CDC|Gabbett|Hamilton|Tudor-Locke|\bNHS\b|\bWHO\b"),
    "the step floor": re.compile(r"\b8,?000\b"),
    "a cadence or pace unit": re.compile(r"steps/min|\bmph\b|min/km|min/mi"),
    "a pain or soreness word list": re.compile(
        r"(hurt|pain|injur|ache|sore|niggle|twinge|stiff)[^|]*\|[^|]*"
        r"(hurt|pain|injur|ache|sore|niggle|twinge|stiff)",
        re.IGNORECASE,
    ),
}
# Coaching numbers (coaching-spec.md): the step floor; the A1 speed band, the A5 impact
# multiples, the B3 load thresholds, and the pound conversion of the weight question.
COACHING_INTS = {8000}
COACHING_FLOATS = {2.5, 4.0, 1.2, 1.3, 1.5, 0.8, 2.20462}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (they may name a source; they print nothing)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _constants(path: Path) -> Iterator[tuple[int, object]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_bot_defines_no_coaching_word_number_or_source() -> None:
    offenders = []
    for path in sorted(BOT.rglob("*.py")):
        where = path.relative_to(ROOT)
        for line, value in _constants(path):
            if isinstance(value, str):
                offenders += [
                    f"{where}:{line} {what}: {value[:60]!r}"
                    for what, pattern in COACHING_TEXT.items()
                    if pattern.search(value)
                ]
            elif (type(value) is int and value in COACHING_INTS) or (
                type(value) is float and value in COACHING_FLOATS
            ):
                offenders.append(f"{where}:{line} the coaching number {value}")
    assert offenders == []


def test_the_checks_would_catch_a_leak() -> None:
    """The patterns above are not vacuous: each catches what it is for."""
    leaks = {
        "a source id": "Source A6",
        "a source's name": "(MSSE 2021)",
        "the step floor": "days at 8,000+ steps",
        "a cadence or pace unit": "(100 steps/min)",
        "a pain or soreness word list": r"\b(hurts?|pain|twinge)",
    }
    assert all(COACHING_TEXT[what].search(text) for what, text in leaks.items())
    assert not any(p.search("Pause a week") for p in COACHING_TEXT.values())
