"""Plant each known bug by hand, run the tests that should catch it, report which fail, and put the code back.

    python benchmarks/planted_bugs.py [--backend sqlite] [BUG ...]

Each bug is a textual edit of one product file (the edit must apply exactly once, or the bug is reported as
"not planted": the code moved, update the edit). The file is restored from its original bytes afterwards,
whatever happens. The tests run are the whole ``tests/`` folder minus the slow hostile/watcher/reconcile
folders unless ``--all`` is given (``--tests`` narrows it further); only tests on ``--backend`` run (parametrized ids contain it).
Not run in CI; the results are recorded in docs/testing.md.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Bug:
    name: str
    path: str
    old: str
    new: str


BUGS = [
    Bug("mfr-lot rule returns nothing", "serialtrack/kinds/receiving.py",
        "                         policy: ReceivingPolicy) -> list[Issue]:\n    issues = []\n    for line in lines:\n"
        "        lots = {r.mfr_lot",
        "                         policy: ReceivingPolicy) -> list[Issue]:\n    return []\n    issues = []\n"
        "    for line in lines:\n        lots = {r.mfr_lot"),
    Bug("zero-quantity check removed (receiving)", "serialtrack/kinds/receiving.py",
        "        if line.qty == 0:\n            issues.append(Issue(\"qty-zero\"",
        "        if False:\n            issues.append(Issue(\"qty-zero\""),
    Bug("zero-quantity check removed (shipping)", "serialtrack/kinds/shipping.py",
        "        if line.qty == 0:\n            issues.append(Issue(\"qty-zero\"",
        "        if False:\n            issues.append(Issue(\"qty-zero\""),
    Bug("master-data rules removed: duplicate item", "serialtrack/kinds/items.py",
        "        if key in first:\n            issues.append(Issue(\"duplicate-item\"",
        "        if False:\n            issues.append(Issue(\"duplicate-item\""),
    Bug("master-data rules removed: order office conflict", "serialtrack/kinds/orders.py",
        "        if f.office.casefold() != r.office.casefold():",
        "        if False:"),
    Bug("master-data rules removed: office change after activity", "serialtrack/kinds/orders.py",
        "        if order.has_activity and order.office.casefold() != r.office.casefold():",
        "        if False:"),
    Bug("shipment reversal leaves the SO's shipped count", "serialtrack/ledger/reverse_store.py",
        ".values(qty_shipped=t.so_lines.c.qty_shipped - qty))", ".values(qty_shipped=t.so_lines.c.qty_shipped))"),
]

QUICK_IGNORES = ["tests/hostile", "tests/watcher", "tests/reconcile"]


def run(bug: Bug, backend: str, everything: bool, tests: list[str]) -> tuple[str, list[str]]:
    path = ROOT / bug.path
    original = path.read_bytes()
    text = original.decode()
    if text.count(bug.old) != 1:
        return "not planted (edit does not apply)", []
    try:
        path.write_text(text.replace(bug.old, bug.new), encoding="utf-8")
        ignores = [] if everything else [f"--ignore={p}" for p in QUICK_IGNORES]
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", backend,
                                 *ignores, *tests], cwd=ROOT, capture_output=True, text=True)
    finally:
        path.write_bytes(original)
    failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+)", result.stdout, re.M)))
    return ("caught" if failed else "NOT CAUGHT"), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bugs", nargs="*", help="substrings of bug names (default: all)")
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--all", action="store_true", help="run every test folder, not the quick selection")
    parser.add_argument("--tests", nargs="+", default=["tests"], help="test paths (default: tests)")
    args = parser.parse_args()
    for bug in BUGS:
        if args.bugs and not any(b in bug.name for b in args.bugs):
            continue
        verdict, failed = run(bug, args.backend, args.all, args.tests)
        print(f"## {bug.name}: {verdict}, {len(failed)} failing tests", flush=True)
        for test in failed:
            print(f"   {test}", flush=True)


if __name__ == "__main__":
    main()
