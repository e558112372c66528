"""pytest glue: which profile a ``--tagsmoke`` run reads, and where its artifacts go.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.profile import (
    PROFILE_FILENAME,
    Profile,
    has_pyproject_table,
    load_profile,
)


def profile_path(config: pytest.Config) -> Path:
    option = config.getoption("tagsmoke_profile") or str(config.getini("tagsmoke_profile"))
    if option:
        return (
            Path(option).resolve()
            if Path(option).is_absolute()
            else (Path(config.invocation_params.dir) / option).resolve()
        )
    default = config.rootpath / PROFILE_FILENAME
    pyproject = config.rootpath / "pyproject.toml"
    if not default.is_file() and pyproject.is_file() and has_pyproject_table(pyproject):
        return pyproject
    return default


def run_profile(config: pytest.Config) -> tuple[Profile, Path]:
    """The run's profile (a usage error when missing or not valid) and its artifact folder."""
    path = profile_path(config)
    if not path.is_file():
        raise pytest.UsageError(
            f"pytest-tagsmoke: no profile at {path}.\n"
            f"  Create {PROFILE_FILENAME} at the rootdir (see README's quick start) or pass "
            "--tagsmoke-profile PATH."
        )
    try:
        dry_run = bool(config.getoption("tagsmoke_dry_run"))
        profile = load_profile(  # a dry run and --collect-only never read the store
            path,
            require_env=not dry_run,
            smoke_run=True,
            needs_store=not (dry_run or config.getoption("collectonly")),
        )
    except TagsmokeFileError as exc:
        raise pytest.UsageError(f"pytest-tagsmoke: the profile is not valid:\n{exc}") from None
    artifacts = (
        config.getoption("tagsmoke_artifacts") or str(config.getini("tagsmoke_artifacts")) or None
    )
    base = (
        Path(config.invocation_params.dir) / artifacts
        if artifacts
        else profile.base_dir / profile.artifacts
    )
    return profile, base
