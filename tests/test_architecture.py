"""The layering rules of DESIGN.md, checked on the source (AST) so a breach names its file and line.

1. Nothing under paksa_desktop/ imports Qt (PySide6, shiboken6, pyqtgraph) or the `ui` package: the
   services must run headless, under the CLI, the REST API and the tests.
2. paksa_desktop/core imports neither SQLAlchemy (nor another database library) nor any other
   paksa_desktop package: it is the pure vocabulary every layer shares.
3. No engine, session, connection or clock is created at module level (at import time) anywhere in
   paksa_desktop: the composition root builds them and passes them in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "paksa_desktop"

GUI_MODULES = frozenset({"PySide6", "shiboken6", "pyqtgraph", "ui"})
DATABASE_MODULES = frozenset({"sqlalchemy", "alembic", "psycopg", "psycopg2", "sqlite3"})
# Calls that build a database engine, session or connection, or a clock; fine inside functions only.
FORBIDDEN_AT_IMPORT = frozenset(
    {
        "create_engine",
        "create_async_engine",
        "engine_from_config",
        "make_engine",
        "Session",
        "sessionmaker",
        "scoped_session",
        "UnitOfWork",
        "Company",
        "SystemClock",
        "FixedClock",
    }
)
FORBIDDEN_DOTTED_AT_IMPORT = frozenset({"psycopg.connect", "sqlite3.connect", "Company.open", "Company.create"})

# The one known, deliberate exception to rule 1: `paksa` with no subcommand launches the GUI, and the
# console script lives in paksa_desktop/cli.py, so its `cmd_gui` imports `ui.app` lazily (only when the
# GUI is asked for; importing paksa_desktop.cli stays Qt-free). Listed precisely (file, function,
# module) so that any other import of Qt or ui fails, and a stale entry fails too. The clean fix is a
# launcher outside the package (main.py or a `ui` entry point) that hands subcommands to the CLI.
ALLOWED_GUI_IMPORTS = frozenset({("paksa_desktop/cli.py", "cmd_gui", "ui.app")})


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # absolute dotted name
    line: int
    function: str  # innermost enclosing function, "" at module level


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str | None, level: int, current: str, is_package: bool) -> str:
    """Absolute name of `from <level dots><module> import ...` written in module `current`."""
    if level == 0:
        return module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def imports(tree: ast.AST, current: str, is_package: bool) -> Iterator[Import]:
    """Every import in the tree: statements anywhere (also inside functions and TYPE_CHECKING blocks),
    and importlib.import_module / __import__ calls with a literal name. `from M import x` counts as
    importing M (resolved if relative)."""
    stack: list[str] = []

    def walk(node: ast.AST) -> Iterator[Import]:
        function = stack[-1] if stack else ""
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno, function)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, current, is_package)
            yield Import(base, node.lineno, function)
        elif isinstance(node, ast.Call) and _callee(node.func) in _DYNAMIC_IMPORTS and _literal_first_arg(node):
            yield Import(node.args[0].value, node.lineno, function)  # type: ignore[attr-defined]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack.append(node.name)
            for child in ast.iter_child_nodes(node):
                yield from walk(child)
            stack.pop()
        else:
            for child in ast.iter_child_nodes(node):
                yield from walk(child)

    yield from walk(tree)


_DYNAMIC_IMPORTS = ("importlib.import_module", "import_module", "__import__")


def _literal_first_arg(call: ast.Call) -> bool:
    return bool(call.args) and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)


def _callee(func: ast.expr) -> str:
    """Dotted name of a call's target (`sqlalchemy.create_engine`, `Session`), "" if not a plain name."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
        return ".".join(reversed(parts))
    return ""


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def import_time_calls(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, callee) of every call that runs when the module is imported: module and class bodies,
    decorators and default values, but not function or lambda bodies (they run only when called)."""

    def walk(node: ast.AST) -> Iterator[tuple[int, str]]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if expr is not None:
                    yield from walk(expr)
            return
        if isinstance(node, ast.Lambda):
            for expr in [*node.args.defaults, *node.args.kw_defaults]:
                if expr is not None:
                    yield from walk(expr)
            return
        if isinstance(node, ast.Call):
            yield node.lineno, _callee(node.func)
        for child in ast.iter_child_nodes(node):
            yield from walk(child)

    yield from walk(tree)


def check_source(source: str, relative: str) -> list[Problem]:
    """All breaches of the three rules in one file of paksa_desktop (`relative` like 'paksa_desktop/x.py')."""
    tree = ast.parse(source, filename=relative)
    path = Path(relative)
    current = ".".join(path.with_suffix("").parts)
    is_package = path.name == "__init__.py"
    if is_package:
        current = current.removesuffix(".__init__")
    in_core = path.parts[:2] == ("paksa_desktop", "core")
    problems = []
    for imp in imports(tree, current, is_package):
        top = _top(imp.module)
        if top in GUI_MODULES and (relative, imp.function, imp.module) not in ALLOWED_GUI_IMPORTS:
            problems.append(
                Problem(relative, imp.line, f"imports {imp.module}: nothing in paksa_desktop may depend on Qt or ui")
            )
        if in_core and top in DATABASE_MODULES:
            problems.append(
                Problem(relative, imp.line, f"imports {imp.module}: paksa_desktop/core must not use a database library")
            )
        if (
            in_core
            and top == "paksa_desktop"
            and not (imp.module == "paksa_desktop.core" or imp.module.startswith("paksa_desktop.core."))
        ):
            problems.append(
                Problem(
                    relative, imp.line, f"imports {imp.module}: paksa_desktop/core may import only paksa_desktop.core"
                )
            )
    for line, callee in import_time_calls(tree):
        name = callee.rsplit(".", 1)[-1]
        if name in FORBIDDEN_AT_IMPORT or callee in FORBIDDEN_DOTTED_AT_IMPORT:
            problems.append(
                Problem(relative, line, f"calls {callee}() at import time: build it in the composition root instead")
            )
    return problems


def package_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _format(problems: list[Problem]) -> str:
    return f"{len(problems)} breach(es) of the layering rules (tests/test_architecture.py):\n" + "\n".join(
        f"  {p}" for p in problems
    )


# ------------------------------------------------------------------------------------------------ the rules


def test_the_package_obeys_the_layering_rules() -> None:
    files = package_files()
    assert len(files) > 10, f"found only {len(files)} files under {PACKAGE}: is the path right?"
    problems = [p for f in files for p in check_source(f.read_text(encoding="utf-8"), f.relative_to(ROOT).as_posix())]
    assert not problems, _format(problems)


def test_core_exists_and_is_checked() -> None:
    core = [f for f in package_files() if f.relative_to(PACKAGE).parts[0] == "core"]
    assert any(f.name == "money.py" for f in core), (
        "paksa_desktop/core/money.py not found: the core rule checks nothing"
    )


def test_allowed_gui_imports_are_still_needed() -> None:
    """An exception that no longer matches anything must go, or it could one day excuse a real breach."""
    seen = set()
    for f in package_files():
        relative = f.relative_to(ROOT).as_posix()
        current = _module_name(f)
        for imp in imports(ast.parse(f.read_text(encoding="utf-8")), current, f.name == "__init__.py"):
            seen.add((relative, imp.function, imp.module))
    stale = ALLOWED_GUI_IMPORTS - seen
    assert not stale, f"remove these from ALLOWED_GUI_IMPORTS, they match no import any more: {sorted(stale)}"


# ------------------------------------------------------------------------------------------ the checker itself


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("paksa_desktop/ledger/x.py", "import PySide6.QtCore\n", ["imports PySide6.QtCore"]),
        ("paksa_desktop/ledger/x.py", "from shiboken6 import isValid\n", ["imports shiboken6"]),
        ("paksa_desktop/ledger/x.py", "def f():\n    import pyqtgraph as pg\n", ["imports pyqtgraph"]),
        ("paksa_desktop/ledger/x.py", "from ui.main_window import MainWindow\n", ["imports ui.main_window"]),
        (
            "paksa_desktop/ledger/x.py",
            "import importlib\nimportlib.import_module('PySide6.QtGui')\n",
            ["imports PySide6"],
        ),
        (
            "paksa_desktop/ledger/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import ui\n",
            ["imports ui"],
        ),
        ("paksa_desktop/ledger/x.py", "import uikit\nfrom paksa_desktop.ui_text import x\n", []),
        ("paksa_desktop/core/x.py", "from sqlalchemy import select\n", ["paksa_desktop/core must not use a database"]),
        ("paksa_desktop/core/x.py", "import alembic\n", ["must not use a database library"]),
        ("paksa_desktop/core/x.py", "from paksa_desktop.ledger.models import Account\n", ["may import only"]),
        ("paksa_desktop/core/x.py", "from ..persistence import engine\n", ["imports paksa_desktop.persistence:"]),
        ("paksa_desktop/core/x.py", "from . import money\nfrom paksa_desktop.core.errors import E\n", []),
        ("paksa_desktop/core/__init__.py", "from .money import Money\n", []),
        ("paksa_desktop/ledger/x.py", "from sqlalchemy import select\n", []),
        (
            "paksa_desktop/x.py",
            "from sqlalchemy import create_engine\nENGINE = create_engine('sqlite://')\n",
            ["calls create_engine()"],
        ),
        (
            "paksa_desktop/x.py",
            "import sqlalchemy\nE = sqlalchemy.create_engine('x')\n",
            ["calls sqlalchemy.create_engine()"],
        ),
        ("paksa_desktop/x.py", "from p import make_engine\nE = make_engine('books.paksa')\n", ["calls make_engine()"]),
        (
            "paksa_desktop/x.py",
            "from sqlalchemy.orm import Session\nclass A:\n    s = Session()\n",
            ["calls Session()"],
        ),
        ("paksa_desktop/x.py", "def f(s=sessionmaker()):\n    pass\n", ["calls sessionmaker()"]),
        ("paksa_desktop/x.py", "@cache(UnitOfWork(e))\ndef f():\n    pass\n", ["calls UnitOfWork()"]),
        ("paksa_desktop/x.py", "import psycopg\nCONN = psycopg.connect('x')\n", ["calls psycopg.connect()"]),
        ("paksa_desktop/x.py", "CLOCK = SystemClock()\n", ["calls SystemClock()"]),
        ("paksa_desktop/x.py", "def f():\n    return create_engine('x'), Session(e), SystemClock()\n", []),
        ("paksa_desktop/x.py", "class A:\n    def m(self):\n        return Session(self.e)\n", []),
        ("paksa_desktop/x.py", "f = lambda: make_engine('x')\n", []),
    ],
)
def test_checker_finds_breaches_and_only_breaches(relative: str, source: str, expected: list[str]) -> None:
    """The rules are only worth something if the checker really catches what they forbid."""
    problems = check_source(source, relative)
    assert len(problems) == len(expected), [str(p) for p in problems]
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in str(problem)
        assert str(problem).startswith(f"{relative}:{problem.line}: ")


def test_failure_message_lists_file_and_line() -> None:
    problems = check_source("x = 1\nimport PySide6\n", "paksa_desktop/ledger/bad.py")
    assert _format(problems).splitlines()[1].strip().startswith("paksa_desktop/ledger/bad.py:2: imports PySide6")


def test_the_exception_is_precise() -> None:
    """The allowed GUI import excuses only `ui.app` inside cmd_gui of cli.py, nothing near it."""
    allowed = "def cmd_gui(args):\n    from ui.app import run_gui\n"
    assert check_source(allowed, "paksa_desktop/cli.py") == []
    assert check_source("from ui.app import run_gui\n", "paksa_desktop/cli.py")
    assert check_source("def other():\n    from ui.app import run_gui\n", "paksa_desktop/cli.py")
    assert check_source("def cmd_gui(args):\n    import PySide6\n", "paksa_desktop/cli.py")
    assert check_source(allowed, "paksa_desktop/ledger/service.py")
