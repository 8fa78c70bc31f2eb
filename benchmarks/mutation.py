"""Mutation testing with mutmut over the rule packages: how many small code changes the tests notice.

    python benchmarks/mutation.py [PATH ...] [--tests TEST ...] [--children N] [--keep DIR] [--sample N --seed S]

PATH defaults to ``serialtrack/rules`` and ``serialtrack/kinds``; each is a folder or a file under the
repository. The run happens in a scratch copy of the committed tree (``git archive HEAD``; ``--keep DIR`` to
choose and keep it), so the worktree is never touched: mutmut copies the package into ``mutants/`` there and
mutates only PATH. ``--tests`` picks the test selection (default: the end-to-end tests of the rules and kinds,
on SQLite only); mutmut runs, for each mutant, only the selected tests that execute the mutated function.

``--sample N`` runs a random sample of N mutants (seeded, so a rerun draws the same ones) instead of all:
``serialtrack/kinds`` makes over 6,000 mutants, hours of work on two cores, and a sample of a few hundred
estimates its score within a few points.

Prints the score over the mutants that ran (timeouts counted as killed, "no tests" as survived), each
module's score, and each surviving mutant's name; ``mutmut show NAME`` in the scratch copy prints its diff.
Not run in CI; the figures are recorded in docs/testing.md.
"""

from __future__ import annotations

import argparse
import random
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
    """Print the score over the mutants that ran (a sampled run leaves the rest "not checked", outside the
    score), the score of each module, and every survivor's name."""
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=scratch,
                         capture_output=True, text=True).stdout
    statuses: Counter[str] = Counter()
    by_module: dict[str, Counter[str]] = {}
    survivors = []
    for line in out.splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if not match or match.group(2).strip() == "not checked":
            continue
        name, status = match.group(1), match.group(2).strip()
        statuses[status] += 1
        module = name.rsplit(".", 1)[0]
        by_module.setdefault(module, Counter())["killed" if status in KILLED else "survived"] += 1
        if status in ("survived", "no tests"):
            survivors.append(f"{name} ({status})")
    total = sum(statuses.values())
    killed = sum(n for s, n in statuses.items() if s in KILLED)
    print(f"mutants run: {total}; " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items())))
    if total:
        print(f"score: {killed}/{total} killed = {100 * killed / total:.1f}%")
    for module, tally in sorted(by_module.items()):
        run = tally["killed"] + tally["survived"]
        print(f"  {module}: {tally['killed']}/{run} = {100 * tally['killed'] / run:.0f}%")
    for name in survivors:
        print(f"  survivor {name}")
    return statuses


def all_mutants(scratch: Path) -> list[str]:
    """Every mutant's name: mutmut generates them (and maps tests to functions) on a run that matches none."""
    subprocess.run([sys.executable, "-m", "mutmut", "run", "serialtrack.no_such_mutant"], cwd=scratch,
                   capture_output=True)
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=scratch,
                         capture_output=True, text=True).stdout
    return [m.group(1) for m in (re.match(r"\s*(\S+): ", line) for line in out.splitlines()) if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="folders or files to mutate (default: serialtrack/rules, kinds)")
    parser.add_argument("--tests", nargs="+", default=DEFAULT_TESTS)
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="scratch folder to use and keep (default: a temp folder)")
    parser.add_argument("--sample", type=int, help="run a random sample of this many mutants, not all of them")
    parser.add_argument("--seed", type=int, default=19, help="the sample's seed (default 19)")
    args = parser.parse_args()
    paths = args.paths or default_paths()
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="serialtrack-mutmut-"))
    prepare(scratch, paths, args.tests)
    print(f"mutating {', '.join(paths)} in {scratch}; tests: {' '.join(args.tests)}", flush=True)
    started = time.monotonic()
    chosen: list[str] = []
    if args.sample:
        names = all_mutants(scratch)
        chosen = sorted(random.Random(args.seed).sample(names, min(args.sample, len(names))))
        print(f"sample: {len(chosen)} of {len(names)} mutants (seed {args.seed})", flush=True)
    subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.children), *chosen],
                   cwd=scratch)
    print(f"elapsed: {time.monotonic() - started:.0f} s")
    results(scratch)
    if args.keep is None:
        print(f"(scratch copy kept for `mutmut show`: {scratch})")


if __name__ == "__main__":
    main()
