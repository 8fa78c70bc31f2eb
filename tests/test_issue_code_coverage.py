"""Every issue code the product can emit is asserted by at least one test.

The codes are collected from the source, not from a list: every module under ``serialtrack/`` is parsed and
each kebab-case literal given as the code of an issue is taken, wherever it lives (so a rule moving to
another module, or a new kind's module, is still seen). A code is "given as the code of an issue" when it is

* the first argument (or ``code=``) of a call to ``Issue`` or to any function, method or class whose
  signature has a ``code`` parameter (``UnsafeFile``, ``Invalid``, ``Collector.issue`` ...);
* an f-string such as ``f"{code}-unknown"`` in such a call, expanded with every literal passed for that
  parameter by callers of the enclosing function (``code="po"`` gives ``po-unknown``);
* the first item of a ``(code, sentence)`` tuple literal (``return "file-missing", "the file is ..."``).

The reconciliation's exception codes (``not-counted`` ...) are rows of a report, not issues, and are pinned
by the reconciliation's golden files instead.

A test "asserts" a code when the code's literal appears in a test module under ``tests/`` (this module
excepted). The end-to-end tests for the codes that had none are in ``tests/service/test_issue_codes_e2e.py``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "serialtrack"
TESTS = ROOT / "tests"
KEBAB = re.compile(r"[a-z]+(?:-[a-z]+)+")


def _modules(folder: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _code_params(trees: list[ast.Module]) -> dict[str, int]:
    """Names whose call takes an issue code, with the code's positional index."""
    found = {"Issue": 0}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if "code" in names and not node.name.startswith("test"):
                    index = names.index("code") - (1 if names and names[0] in ("self", "cls") else 0)
                    found[node.name] = index
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        names = [a.arg for a in item.args.args][1:]
                        if "code" in names:
                            found[node.name] = names.index("code")
    return found


def _code_argument(call: ast.Call, index: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    return call.args[index] if len(call.args) > index else None


def _literal_arguments(trees: list[ast.Module], function: str, parameter: str) -> set[str]:
    """Every string literal passed as ``parameter`` to ``function`` anywhere in the package."""
    values: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _callee(node) == function:
                for keyword in node.keywords:
                    if keyword.arg == parameter and isinstance(keyword.value, ast.Constant):
                        values.add(str(keyword.value.value))
    return values


def _expand_template(node: ast.JoinedStr, function: ast.FunctionDef | None, trees: list[ast.Module]) -> set[str]:
    if function is None:
        return set()
    parts: list[set[str]] = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append({str(value.value)})
        elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
            parts.append(_literal_arguments(trees, function.name, value.value.id))
        else:
            return set()
    codes = {""}
    for options in parts:
        codes = {code + option for code in codes for option in options}
    return {code for code in codes if KEBAB.fullmatch(code)}


def _is_code_sentence_pair(node: ast.Tuple) -> bool:
    """``("file-missing", "the file is no longer there ...")`` or ``("file-name-unsafe", reason)``: a code
    and a clerk's sentence (the code must be kebab-case to count, checked by the caller)."""
    if len(node.elts) != 2:
        return False
    code, sentence = node.elts
    if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
        return False
    return isinstance(sentence, ast.JoinedStr | ast.Name) or (
        isinstance(sentence, ast.Constant) and isinstance(sentence.value, str) and " " in sentence.value)


def emitted_codes(package: Path = PACKAGE) -> dict[str, str]:
    """code -> the module (relative path) that emits it."""
    parsed = list(_modules(package))
    trees = [tree for _, tree in parsed]
    takes_code = _code_params(trees)
    codes: dict[str, str] = {}
    for path, tree in parsed:
        where = str(path.relative_to(package.parent))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]

        def enclosing(target: ast.AST, functions: list[ast.FunctionDef] = functions) -> ast.FunctionDef | None:
            inner = [f for f in functions if any(n is target for n in ast.walk(f))]
            return min(inner, key=lambda f: len(list(ast.walk(f)))) if inner else None

        for node in ast.walk(tree):
            argument: ast.expr | None = None
            if isinstance(node, ast.Call) and (name := _callee(node)) in takes_code:
                argument = _code_argument(node, takes_code[name])
            elif isinstance(node, ast.Tuple) and _is_code_sentence_pair(node):
                argument = node.elts[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                if KEBAB.fullmatch(argument.value):
                    codes.setdefault(argument.value, where)
            elif isinstance(argument, ast.JoinedStr):
                for code in _expand_template(argument, enclosing(argument), trees):
                    codes.setdefault(code, where)
    return codes


def asserted_literals() -> set[str]:
    """Every string literal in the test modules (this one excepted)."""
    literals: set[str] = set()
    for path, tree in _modules(TESTS):
        if path.resolve() == Path(__file__).resolve():
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
                literals.update(KEBAB.findall(node.value))
    return literals


def test_issue_codes__collected_from_every_module() -> None:
    """The collector sees codes in ingest, rules and service modules, and expands ``f"{code}-unknown"``."""
    codes = emitted_codes()
    for code in ("csv-malformed", "header-not-found", "qty-zero", "duplicate-item", "nothing-to-post",
                 "file-is-folder", "po-unknown", "so-line-missing", "serial-bad-character", "not-a-date"):
        assert code in codes, code
    assert len(codes) >= 80, sorted(codes)


def test_issue_codes__every_emitted_code_is_asserted_by_a_test() -> None:
    codes = emitted_codes()
    asserted = asserted_literals()
    untested = sorted(f"{code} ({where})" for code, where in codes.items() if code not in asserted)
    assert not untested, f"{len(untested)} issue codes are asserted by no test under tests/: {untested}"


def test_issue_codes__a_new_untested_code_would_be_named(tmp_path: Path) -> None:
    """The check is not vacuous: a new module's codes are found, templates expanded, and untested ones named."""
    package = tmp_path / "serialtrack" / "kinds"
    package.mkdir(parents=True)
    (package / "new_kind.py").write_text(
        "from serialtrack.records import Issue\n"
        "def rule(line, code='xx'):\n"
        "    return [Issue('brand-new-code', 'a sentence', None), Issue(f'{code}-fresh', 'a', None)]\n"
        "def caller():\n"
        "    return rule(None, code='zz')\n"
        "def problem():\n"
        "    return 'pair-code', 'a sentence for the clerk'\n", encoding="utf-8")
    codes = emitted_codes(package.parent)
    assert codes == {"brand-new-code": "serialtrack/kinds/new_kind.py", "zz-fresh": "serialtrack/kinds/new_kind.py",
                     "pair-code": "serialtrack/kinds/new_kind.py"}
    assert not set(codes) & asserted_literals()
