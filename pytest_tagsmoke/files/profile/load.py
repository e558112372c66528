"""``load_profile``: read, lay over the preset, validate, interpolate, check what is sent,
build the typed profile.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.content_rules import claim_problems, secret_problems, without_duplicates
from pytest_tagsmoke.files.profile.build import (
    build_profile,
    lint_pattern_problems,
    smoke_run_problems,
    with_ledger,
)
from pytest_tagsmoke.files.profile.interpolation import (
    InterpolationContext,
    env_secrets,
    interpolate,
)
from pytest_tagsmoke.files.profile.reading import read_document, with_preset
from pytest_tagsmoke.files.profile.sent_values import check_sent_values
from pytest_tagsmoke.files.schema_check import schema_problems

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pytest_tagsmoke.errors import Problem
    from pytest_tagsmoke.files.profile.model import Profile


def load_profile(
    path: Path,
    environ: Mapping[str, str] | None = None,
    *,
    require_env: bool = True,
    smoke_run: bool = False,
    needs_store: bool = True,
) -> Profile:
    """Load ``path`` (``tagsmoke.yaml``, or ``[tool.tagsmoke]`` of a ``pyproject.toml``).

    Every problem found is raised together as :class:`TagsmokeFileError`. With
    ``require_env=False`` (``tagsmoke validate``), unset ``${VAR}`` references are not
    problems: a pull-request job checks files without the run's environment. With
    ``smoke_run=True`` (``pytest --tagsmoke``), the profile must also name a log store and
    how each of the policy's dimensions travels (an audit needs neither); with
    ``needs_store=False`` (a dry run, ``--collect-only``: nothing is read), no log store.
    """
    env = os.environ if environ is None else environ
    document = read_document(path)
    rule_problems = secret_problems(document, path) + claim_problems(
        document, path, [["log_store", "fields"]]
    )
    document = with_preset(document, path)
    problems = without_duplicates(
        rule_problems, schema_problems(document, "profile.schema.json", path)
    )
    if problems:
        raise TagsmokeFileError(problems)
    ctx = InterpolationContext(path, document, env, problems)
    values = interpolate(document, [], ctx)
    if problems and require_env:
        raise TagsmokeFileError(problems)
    problems = check_sent_values(values, ctx) + lint_pattern_problems(values, ctx)
    if problems:
        raise TagsmokeFileError(problems)
    profile = dataclasses.replace(build_profile(path, values), env_secrets=env_secrets(ctx))
    if smoke_run:
        problems = smoke_run_problems(profile, document, needs_store)
        if problems:
            raise TagsmokeFileError(problems)
    return with_ledger(profile, document, values)


def smoke_run_gaps(profile: Profile) -> list[Problem]:
    """What ``pytest --tagsmoke`` would refuse in ``profile`` (loaded without ``smoke_run``):
    no log store, a dimension without ``attach``. ``tagsmoke validate`` reports them."""
    document = with_preset(read_document(profile.path), profile.path)
    return smoke_run_problems(profile, document)
