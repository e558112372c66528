"""Which files ``tagsmoke validate PATH…`` checks: profiles, and the scenario files they name.

A folder is walked for ``*.yaml``/``*.yml`` (and a ``pyproject.toml`` with a
``[tool.tagsmoke]`` table), skipping what is never a scenario file: hidden folders (``.git``,
``.venv``, ``.github``), virtual environments, ``node_modules``, run artifact folders. When a
profile is among the paths (or given with ``--profile``), a file found in a folder is a scenario
file only if the profile's ``scenarios:`` patterns match it, exactly as ``pytest --tagsmoke``
collects — so ``tagsmoke validate .`` in a repository checks what a run would load, not the
run's own ``smoke_test_log.yaml`` or a CI workflow. A file named on the command line is always
checked.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_tagsmoke.artifact_names import RECORDS, SMOKE_TEST_LOG
from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.profile import PROFILE_FILENAME, has_pyproject_table, load_profile
from pytest_tagsmoke.files.yaml_loader import load_yaml

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

PROFILE_NAMES = frozenset({PROFILE_FILENAME, "tagsmoke.yml", "pyproject.toml"})
DEFAULT_ARTIFACTS = "tagsmoke-artifacts"
_YAML_SUFFIXES = (".yaml", ".yml")
_NEVER_SCENARIOS = frozenset({"__pycache__", "node_modules", "site-packages", DEFAULT_ARTIFACTS})


@dataclass
class Selection:
    """The files to check, and the YAML files found in folders but left out."""

    profiles: list[Path] = field(default_factory=list)
    scenarios: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


def _is_skipped_folder(folder: Path) -> bool:
    return (
        folder.name.startswith(".")
        or folder.name in _NEVER_SCENARIOS
        or (folder / "pyvenv.cfg").is_file()  # a virtual environment
        or (folder / "conda-meta").is_dir()
        # A run folder of pytest --tagsmoke (wherever the artifacts were sent).
        or (folder / RECORDS).is_file()
        or (folder / SMOKE_TEST_LOG).is_file()
    )


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not _is_skipped_folder(here / d))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = here / name
            if path.suffix in _YAML_SUFFIXES or (
                name == "pyproject.toml" and has_pyproject_table(path)
            ):
                yield path


def _named_by(profile: Path) -> tuple[set[Path], Path] | None:
    """(the scenario files ``profile`` names, its artifact folder); None when it won't load."""
    try:
        loaded = load_profile(profile, require_env=False)
    except TagsmokeFileError:
        return None  # its problems are reported when it is checked as a profile
    base = loaded.base_dir
    named = {
        (base / match).resolve()
        for pattern in loaded.scenarios
        for match in glob.glob(pattern, root_dir=base, recursive=True)
    }
    return named, (base / loaded.artifacts).resolve()


def _ledger_of(profile: Path) -> Path | None:
    """The owner ledger ``profile`` names (``policy.ledger``), read even from a profile
    that does not load: a ledger is never a scenario file."""
    try:
        document = load_yaml(profile) if profile.suffix != ".toml" else None
    except TagsmokeFileError:
        return None
    policy = document.get("policy") if isinstance(document, dict) else None
    name = policy.get("ledger") if isinstance(policy, dict) else None
    return (profile.parent / name).resolve() if isinstance(name, str) else None


def select_files(paths: Sequence[Path], profile: Path | None = None) -> Selection:
    """The profiles and scenario files ``tagsmoke validate`` checks for ``paths``."""
    explicit: list[Path] = []
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += _walk(path)
        else:
            explicit.append(path)
    selection = Selection()
    if profile is not None:
        selection.profiles.append(profile)
    for path in [*explicit, *found]:
        if path.name in PROFILE_NAMES and path not in selection.profiles:
            selection.profiles.append(path)
    scoped = [s for s in map(_named_by, selection.profiles) if s is not None]
    named = {p for scenarios, _ in scoped for p in scenarios}
    artifact_folders = [folder for _, folder in scoped]
    ledgers = {ledger for ledger in map(_ledger_of, selection.profiles) if ledger is not None}
    for path in explicit:
        if path.name not in PROFILE_NAMES:
            selection.scenarios.append(path)
    for path in found:
        if path.name in PROFILE_NAMES:
            continue
        resolved = path.resolve()
        if resolved in ledgers:
            selection.skipped.append(path)
            continue
        in_artifacts = any(resolved.is_relative_to(folder) for folder in artifact_folders)
        if in_artifacts or (scoped and resolved not in named):
            selection.skipped.append(path)
        else:
            selection.scenarios.append(path)
    return selection
