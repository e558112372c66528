"""``tagsmoke`` console command: ``tagsmoke validate PATH…`` checks files, no network;
``tagsmoke audit`` audits the tagging of real traffic (:mod:`pytest_tagsmoke.audit.cli`).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path

from pytest_tagsmoke import __version__
from pytest_tagsmoke.errors import Problem, SetupError, TagsmokeFileError
from pytest_tagsmoke.files.lint import TagLint, ledger_warnings, tag_value_warnings
from pytest_tagsmoke.files.profile import Profile, load_profile, smoke_run_gaps
from pytest_tagsmoke.files.profile.model import attach_hint
from pytest_tagsmoke.files.scenario import Scenario, load_scenario_file
from pytest_tagsmoke.files.selection import PROFILE_NAMES, select_files

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def validate(paths: list[Path], profile: Path | None) -> tuple[int, list[Problem], list[Problem]]:
    """(files checked, problems, warnings) for ``paths``; a profile is checked as a profile."""
    selection = select_files(paths, profile)
    profiles, files = selection.profiles, selection.scenarios
    problems: list[Problem] = []
    known_fields = None
    loaded_profiles: list[Profile] = []
    for path in profiles:
        try:
            loaded = load_profile(path, require_env=False)
            known_fields = loaded.known_fields
            loaded_profiles.append(loaded)
        except TagsmokeFileError as exc:
            problems += exc.problems
        else:
            problems += _audit_problems(path, loaded)
    scenarios: list[Scenario] = []
    for path in files:
        if path.name in PROFILE_NAMES:
            continue
        try:
            scenarios += load_scenario_file(path, known_fields=known_fields, require_env=False)
        except TagsmokeFileError as exc:
            problems += exc.problems
    warnings: list[Problem] = []
    smoke_files = any(path.name not in PROFILE_NAMES for path in files)
    for loaded in loaded_profiles:
        gaps = smoke_run_gaps(loaded)
        if smoke_files or not _AUDIT_SECTION.search(_text(loaded.path)):
            problems += gaps
        else:  # an audit-only profile: fine for the audit, refused by a smoke run
            warnings += [_refused_by_a_smoke_run(gap) for gap in gaps]
        warnings += ledger_warnings(loaded, scenarios)
    if loaded_profiles:
        problems += unsendable_tags(loaded_profiles[-1], scenarios)
    lint = loaded_profiles[0].tag_lint if loaded_profiles else TagLint()
    owners = [
        (p.ledger_path, _line_of(e.where), e.owner)
        for p in loaded_profiles
        if p.ledger_path is not None
        for e in p.policy.ledger.values()
    ]
    warnings += tag_value_warnings(lint, scenarios, owners)
    return len(set(files) | set(profiles)), problems, warnings


_AUDIT_SECTION = re.compile(r"^(audit\s*:|\[tool\.tagsmoke\.audit)", re.M)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _refused_by_a_smoke_run(gap: Problem) -> Problem:
    return dataclasses.replace(
        gap,
        message=f"{gap.message}: pytest --tagsmoke would refuse this profile "
        "(tagsmoke audit does not need it)",
    )


def unsendable_tags(profile: Profile, scenarios: list[Scenario]) -> list[Problem]:
    """Scenario tags outside the policy's dimensions that the profile says not how to send
    (attach): a smoke run fails each such scenario. The policy's own dimensions are the
    profile's problem (:func:`smoke_run_gaps`), reported once there."""
    from pytest_tagsmoke.sending.request import resolve_attach

    found: dict[tuple[Path, int, str], Problem] = {}
    for scenario in scenarios:
        for dimension in scenario.tags:
            if dimension in profile.policy.dimensions:
                continue
            try:
                resolve_attach(profile, scenario, dimension)
            except SetupError:
                found[scenario.file, scenario.line, dimension] = Problem(
                    scenario.file,
                    scenario.line,
                    None,
                    f"tags.{dimension}",
                    f"the profile says not how the tag {dimension!r} travels, so "
                    "pytest --tagsmoke fails this scenario",
                    attach_hint(dimension),
                )
    return list(found.values())


def _audit_problems(path: Path, profile: Profile) -> list[Problem]:
    """The profile's ``audit:`` section checked as ``tagsmoke audit`` loads it (the audit
    package is imported only for a profile that has the section)."""
    if not _AUDIT_SECTION.search(_text(path)):
        return []
    from pytest_tagsmoke.audit.config import load_audit

    try:
        load_audit(path, profile.policy)
    except TagsmokeFileError as exc:
        # As for the rest of the profile, an unset variable is the run's business.
        return [p for p in exc.problems if not p.message.startswith("environment variable ")]
    return []


def _line_of(where: str) -> int | None:
    line = where.rpartition(":")[2]
    return int(line) if line.isdigit() else None


def _warned(warnings: list[Problem]) -> str:
    return f", {len(warnings)} warning(s)" if warnings else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tagsmoke", description="pytest-tagsmoke tools")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "validate",
        help="check scenario and profile files (no network)",
        description="Check scenario and profile files against their schemas and rules "
        "(no literal credentials, no pricing claims) without sending anything. Folders are "
        "searched for *.yaml and *.yml (hidden folders, virtual environments and run artifact "
        "folders skipped); tagsmoke.yaml and pyproject.toml are profiles, and with a profile "
        "only the files its 'scenarios:' patterns name are scenario files. Files named on the "
        "command line are always checked. "
        "Exit status: 0 valid, 1 invalid, 2 usage error.",
    )
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    check.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="profile whose mapped record fields scenarios may name",
    )
    from pytest_tagsmoke.audit import cli as audit_cli

    audit_cli.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "audit":
        return audit_cli.run(args)

    missing = [
        p for p in [*args.paths, *([args.profile] if args.profile else [])] if not p.exists()
    ]
    if missing:
        for path in missing:
            print(f"tagsmoke validate: {path}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    count, problems, warnings = validate(args.paths, args.profile)
    if count == 0:
        print("tagsmoke validate: no YAML files found under the given paths", file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(problem)
    for warning in warnings:
        print(f"warning: {warning}")
    noun = "file" if count == 1 else "files"
    if problems:
        print(
            f"tagsmoke validate: {len(problems)} problem(s) in {count} {noun}" + _warned(warnings)
        )
        return EXIT_INVALID
    print(f"tagsmoke validate: {count} {noun} valid" + _warned(warnings))
    return EXIT_VALID


if __name__ == "__main__":
    raise SystemExit(main())
