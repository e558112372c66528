"""Mutation score of the verdict core, module by module, with mutmut 3.

    python tools/mutation_score.py                 # every module in MODULES
    python tools/mutation_score.py policy.py       # the modules whose path ends so
    python tools/mutation_score.py --fail-under 90 # exit 1 when a module scores less

Each module is mutated on its own, in a throw-away copy of the work tree (mutmut writes its
``mutants/`` folder and reads its settings from ``[tool.mutmut]`` of the copy's
``pyproject.toml``; the repository is never touched). mutmut runs the listed tests once to
learn which test reaches which function, then, for each mutant, only the listed tests that
reach the mutated function. A mutant is killed only by a failing test. Offline; see
docs/mutation.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The verdict core: module (path from the repository root) -> the tests that may kill its
#: mutants. Fast tests first; a pytester end-to-end test only where no unit test reaches the
#: code. Update the names here when modules move.
MODULES: dict[str, tuple[str, ...]] = {
    # classification
    "pytest_tagsmoke/policy/tag_policy.py": (
        "tests/test_policy.py",
        "tests/test_policy_mutants.py",
        "tests/test_matching_unit.py",
        "tests/test_log_store_settings.py",
    ),
    # the failure reasons and their one precedence
    "pytest_tagsmoke/policy/reasons.py": ("tests/test_judging.py",),
    # judging (unit tests on plain values only; the end-to-end verdict tests of
    # test_artifacts.py would make a run about 20 minutes)
    "pytest_tagsmoke/judging/judge.py": ("tests/test_policy.py", "tests/test_judging.py"),
    "pytest_tagsmoke/judging/record_checks.py": ("tests/test_policy.py", "tests/test_judging.py"),
    # the smoke record and its JSON form
    "pytest_tagsmoke/records/smoke_record.py": ("tests/test_smoke_record.py",),
    # redaction
    "pytest_tagsmoke/safety/redaction.py": (
        "tests/test_redaction_unit.py",
        "tests/test_userinfo_unit.py",
        "tests/test_secrets.py::test_redactor_knows_every_form_a_secret_takes_on_its_way_out",
        "tests/test_secrets.py::test_redact_url_hides_every_query_value_unless_public",
        "tests/test_secrets.py::test_profile_knows_every_secret_of_the_run",
        "tests/test_secret_canary.py",
        "tests/test_redaction_gaps.py",
        "tests/test_regression_guards.py::test_a_credential_the_gateway_logged_is_scrubbed_from_a_failure",
        "tests/test_scenario_language.py::test_dry_run_sends_nothing_and_redacts",
    ),
    # pricing guard
    "pytest_tagsmoke/safety/pricing_guard.py": (
        "tests/test_guard_amounts.py",
        "tests/test_guard.py",
        "tests/test_artifacts.py::test_pricing_guard_scans_text",
        "tests/test_artifacts.py::test_planted_price_makes_the_guard_fail_the_run",
        "tests/test_artifacts.py::test_artifacts_carry_no_cost_although_every_log_record_has_one",
    ),
    # record matching: the decoding of a store's record into the fields that are judged
    "pytest_tagsmoke/logstore/mapping.py": (
        "tests/test_matching_unit.py",
        "tests/test_policy_mutants.py",
        "tests/test_adapters.py",
        "tests/test_presets.py",
    ),
    # record matching: which of a store's rows answers which correlation id
    "pytest_tagsmoke/logstore/matching.py": (
        "tests/test_matching_unit.py",
        "tests/test_log_store_settings.py",
        "tests/test_adapters.py",
    ),
}

#: mutmut's words for a mutant's outcome (``mutmut results --all true``).
KILLED, SURVIVED, TIMEOUT = "killed", "survived", "timeout"
DETECTED = (KILLED, TIMEOUT)
_RESULT = re.compile(r"^\s+(\S+__mutmut_\d+): (.+)$")


@dataclass
class ModuleScore:
    module: str
    outcomes: dict[str, str] = field(default_factory=dict)  # mutant name -> outcome
    diffs: dict[str, str] = field(default_factory=dict)  # surviving mutant -> its diff
    seconds: float = 0.0
    error: str | None = None  # mutmut's own failure (e.g. a listed test fails unmutated)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)

    @property
    def other(self) -> int:
        return len(self.outcomes) - self.count(KILLED) - self.count(SURVIVED) - self.count(TIMEOUT)

    @property
    def score(self) -> float:
        """Detected (killed, or looping until the time limit) out of every mutant."""
        if not self.outcomes:
            return 100.0
        return 100.0 * (self.count(KILLED) + self.count(TIMEOUT)) / len(self.outcomes)


def _copy_tree(target: Path) -> None:
    """The work tree as git sees it (tracked and new, not ignored files) into ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _toml_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def _configure(target: Path, module: str, tests: tuple[str, ...]) -> None:
    """Append mutmut's settings for this one module to the copy's pyproject.toml."""
    # mutmut runs the tests inside its mutants/ folder: the files they read (the demo
    # profile, scenarios, docs, the root conftest.py) must be there too.
    top = sorted({p.name for p in target.iterdir()} - {"pytest_tagsmoke", "mutants"})
    with (target / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write(
            "\n[tool.mutmut]\n"
            'source_paths = ["pytest_tagsmoke/"]\n'
            f"also_copy = {_toml_list(top)}\n"
            f"only_mutate = {_toml_list([module])}\n"
            f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider"]\n'
            # No git in the copy, and each copy starts afresh: nothing to cache across runs.
            "use_git_change_detection = false\n"
        )


def _mutmut(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# One process for every diff: ``mutmut show`` would start Python once per mutant.
_SHOW_ALL = """
import json, sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant
names = json.load(sys.stdin)
json.dump({n: get_diff_for_mutant(n, path=find_mutant(n).path) for n in names}, sys.stdout)
"""


def _diffs(work: Path, names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", _SHOW_ALL],
        cwd=work,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode == 0:
        diffs: dict[str, str] = json.loads(shown.stdout)
        return {name: diff.strip() for name, diff in diffs.items()}
    # mutmut's internals moved: one `mutmut show` per mutant, slower but public
    return {name: _mutmut(work, "show", name).stdout.strip() for name in names}


def score_module(module: str, tests: tuple[str, ...], jobs: int, keep: Path | None) -> ModuleScore:
    result = ModuleScore(module)
    work = Path(tempfile.mkdtemp(prefix="tagsmoke-mutation-"))
    try:
        _copy_tree(work)
        _configure(work, module, tests)
        started = time.monotonic()
        run = _mutmut(work, "run", "--max-children", str(jobs))
        result.seconds = time.monotonic() - started
        (work / "mutmut-run.log").write_text(run.stdout + run.stderr, encoding="utf-8")
        listed = _mutmut(work, "results", "--all", "true")
        for line in listed.stdout.splitlines():
            match = _RESULT.match(line)
            if match:
                result.outcomes[match.group(1)] = match.group(2).strip()
        if run.returncode != 0 or not result.outcomes:
            tail = "\n".join((run.stdout + run.stderr).splitlines()[-30:])
            result.error = f"mutmut failed on {module} (exit {run.returncode}):\n{tail}"
            return result
        result.diffs = _diffs(work, [n for n, o in result.outcomes.items() if o not in DETECTED])
    finally:
        if keep is not None:
            destination = keep / module.replace("/", "_")
            shutil.rmtree(destination, ignore_errors=True)
            shutil.move(str(work), destination)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result


def _report(scores: list[ModuleScore], show_diffs: bool) -> str:
    lines = []
    if show_diffs:
        for score in scores:
            for name, diff in score.diffs.items():
                lines += [f"== {score.outcomes[name]}: {name}", diff, ""]
    header = f"{'module':<38} {'mutants':>7} {'killed':>6} {'survived':>8} {'timeout':>7}"
    header += f" {'other':>5} {'score':>7} {'time':>6}"
    lines += [header, "-" * len(header)]
    for s in scores:
        if s.error is not None:
            lines.insert(0, s.error + "\n")
            lines.append(f"{s.module:<38} mutmut failed (see above)")
            continue
        lines.append(
            f"{s.module:<38} {len(s.outcomes):>7} {s.count(KILLED):>6} {s.count(SURVIVED):>8}"
            f" {s.count(TIMEOUT):>7} {s.other:>5} {s.score:>6.1f}% {s.seconds:>5.0f}s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="only the modules whose path ends with one of these"
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument(
        "--fail-under", type=float, default=None, help="exit 1 when a module scores less (%%)"
    )
    parser.add_argument("--no-diffs", action="store_true", help="do not print surviving diffs")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep each module's mutmut folder under this folder (then: cd there; "
        "python -m mutmut show NAME / python -m mutmut browse)",
    )
    args = parser.parse_args(argv)
    chosen = {
        module: tests
        for module, tests in MODULES.items()
        if not args.modules or any(module.endswith(m) for m in args.modules)
    }
    if not chosen:
        parser.error(f"no module in MODULES ends with {' or '.join(args.modules)}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        args.keep = args.keep.resolve()
    scores = []
    for module, listed in chosen.items():
        tests = tuple(t for t in listed if (REPO / t.split("::")[0]).is_file())
        missing = sorted(set(listed) - set(tests))
        if missing:
            print(f"  (not found, left out: {', '.join(missing)})")
        print(f"mutating {module} (tests: {', '.join(tests)}) ...", flush=True)
        scores.append(score_module(module, tests, args.jobs, args.keep))
    print(_report(scores, show_diffs=not args.no_diffs))
    print(f"total: {sum(s.seconds for s in scores):.0f}s")
    if any(s.error is not None for s in scores):
        return 2
    if args.fail_under is not None and any(s.score < args.fail_under for s in scores):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
