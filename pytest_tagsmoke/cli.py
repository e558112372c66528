"""``tagsmoke`` console command: ``tagsmoke validate PATH…`` checks files, no network;
``tagsmoke audit`` audits the tagging of real traffic (:mod:`pytest_tagsmoke.audit.cli`).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pytest_tagsmoke import __version__
from pytest_tagsmoke._file_selection import PROFILE_NAMES, select_files
from pytest_tagsmoke.errors import Problem, TagsmokeFileError
from pytest_tagsmoke.profile import load_profile
from pytest_tagsmoke.scenario import load_scenario_file

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def validate(paths: list[Path], profile: Path | None) -> tuple[int, list[Problem]]:
    """(files checked, problems) for ``paths``; a profile is checked as a profile."""
    selection = select_files(paths, profile)
    profiles, files = selection.profiles, selection.scenarios
    problems: list[Problem] = []
    known_fields = None
    for path in profiles:
        try:
            loaded = load_profile(path, require_env=False)
            known_fields = set(loaded.log_store.fields)
        except TagsmokeFileError as exc:
            problems += exc.problems
    for path in files:
        if path.name in PROFILE_NAMES:
            continue
        try:
            load_scenario_file(path, known_fields=known_fields)
        except TagsmokeFileError as exc:
            problems += exc.problems
    return len(set(files) | set(profiles)), problems


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
    count, problems = validate(args.paths, args.profile)
    if count == 0:
        print("tagsmoke validate: no YAML files found under the given paths", file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(problem)
    noun = "file" if count == 1 else "files"
    if problems:
        print(f"tagsmoke validate: {len(problems)} problem(s) in {count} {noun}")
        return EXIT_INVALID
    print(f"tagsmoke validate: {count} {noun} valid")
    return EXIT_VALID


if __name__ == "__main__":
    raise SystemExit(main())
