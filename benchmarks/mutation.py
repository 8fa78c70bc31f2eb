"""Mutation testing with mutmut over the rule packages: how many small code changes the tests notice.

    python benchmarks/mutation.py [PATH ...] [--tests TEST ...] [--children N] [--keep DIR]

PATH defaults to ``serialtrack/rules`` (and ``serialtrack/kinds`` when it exists); each is a folder or a file
under the repository. The run happens in a scratch copy of the committed tree (``git archive HEAD``;
``--keep DIR`` to choose and keep it), so the worktree is never touched: mutmut copies the package into ``mutants/`` there and mutates only
PATH. ``--tests`` picks the test selection (default: the fast end-to-end tests of the rules, on SQLite only);
mutmut runs, for each mutant, only the selected tests that execute the mutated function.

Prints the score (killed / all mutants, with timeouts counted as killed and "no tests" as survived) and each
surviving mutant's name; ``mutmut show NAME`` in the scratch copy prints its diff. Slow (minutes per hundred
mutants on two cores), so it is not run in CI; the figures are recorded in docs/testing.md.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TESTS = [
    "tests/service/test_answers_golden.py",
    "tests/service/test_issue_codes_e2e.py",
    "tests/service/test_lookups.py",
    "tests/service/test_items_unchanged.py",
    "tests/moves",
    "tests/transfers",
    "tests/outbound/test_count_differences.py",
    "tests/outbound/test_counts_rules.py",
    "tests/outbound/test_shipping_quantities.py",
    "tests/service/test_master_data.py",
    "tests/receiving/test_receiving_rules.py",
    "tests/outbound/test_outbound_lifecycle.py",
    "tests/outbound/test_reversal_round_trips.py",
    "tests/outbound/test_shipping_fifo.py",
    "tests/service/test_cell_limits_exact.py",
    "tests/service/test_cell_limits_contract.py",
    "tests/service/test_shared_rules_exact.py",
    "tests/service/test_ordinary_input.py",
    "tests/service/test_clerk_first_week.py",
]
KILLED = {"killed", "timeout", "segfault", "suspicious"}


def default_paths() -> list[str]:
    return [p for p in ("serialtrack/rules", "serialtrack/kinds") if (ROOT / p).exists()]


def mutmut_table(paths: list[str], tests: list[str]) -> str:
    only = [f"{p.rstrip('/')}/*" if (ROOT / p).is_dir() else p for p in paths]
    return ("\n[tool.mutmut]\nsource_paths = [\"serialtrack\"]\n"
            f"only_mutate = {only!r}\n".replace("'", '"')
            + f"pytest_add_cli_args_test_selection = {tests!r}\n".replace("'", '"')
            + 'pytest_add_cli_args = ["-k", "not postgresql", "-p", "no:randomly", "-q"]\n')


def prepare(scratch: Path, paths: list[str], tests: list[str]) -> None:
    """The committed tree (``git archive HEAD``: uncommitted edits, such as a bug planted by
    planted_bugs.py, never leak in), plus the mutmut table in its pyproject.toml."""
    scratch.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive, check=True)
    pyproject = scratch / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + mutmut_table(paths, tests), encoding="utf-8")


def results(scratch: Path) -> Counter[str]:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=scratch,
                         capture_output=True, text=True).stdout
    statuses: Counter[str] = Counter()
    survivors = []
    for line in out.splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match:
            statuses[match.group(2).strip()] += 1
            if match.group(2).strip() in ("survived", "no tests"):
                survivors.append(f"{match.group(1)} ({match.group(2).strip()})")
    total = sum(statuses.values())
    killed = sum(n for s, n in statuses.items() if s in KILLED)
    print(f"mutants: {total}; " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    if total:
        print(f"score: {killed}/{total} killed = {100 * killed / total:.1f}%")
    for name in survivors:
        print(f"  survivor {name}")
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="folders or files to mutate (default: serialtrack/rules, kinds)")
    parser.add_argument("--tests", nargs="+", default=DEFAULT_TESTS)
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="scratch folder to use and keep (default: a temp folder)")
    args = parser.parse_args()
    paths = args.paths or default_paths()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="serialtrack-mutmut-"))
    prepare(scratch, paths, args.tests)
    print(f"mutating {', '.join(paths)} in {scratch}; tests: {' '.join(args.tests)}", flush=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.children)], cwd=scratch)
    print(f"elapsed: {time.monotonic() - started:.0f} s")
    results(scratch)
    if args.keep is None:
        print(f"(scratch copy kept for `mutmut show`: {scratch})")


if __name__ == "__main__":
    main()
