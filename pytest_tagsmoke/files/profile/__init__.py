"""The profile (``tagsmoke.yaml``): endpoint, credential, attach rules, policy, log store.

One module per job: :mod:`.reading` (the file, the preset laid under it),
:mod:`.interpolation` (``${VAR}``), :mod:`.sent_values` (what a header or URL can carry),
:mod:`.build` (the typed profile, what a smoke run needs), :mod:`.model` (the types),
:mod:`.load` (``load_profile``, all of it in order). The public names are here.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from pytest_tagsmoke.files.profile.interpolation import InterpolationContext, interpolate_text
from pytest_tagsmoke.files.profile.load import load_profile, smoke_run_gaps
from pytest_tagsmoke.files.profile.model import (
    Attach,
    AttachKind,
    CorrelationConfig,
    PollConfig,
    Profile,
    default_attach,
)
from pytest_tagsmoke.files.profile.reading import PRESETS, PROFILE_FILENAME, has_pyproject_table
from pytest_tagsmoke.files.profile.sent_values import check_sent_values

__all__ = [
    "PRESETS",
    "PROFILE_FILENAME",
    "Attach",
    "AttachKind",
    "CorrelationConfig",
    "InterpolationContext",
    "PollConfig",
    "Profile",
    "check_sent_values",
    "default_attach",
    "has_pyproject_table",
    "interpolate_text",
    "load_profile",
    "smoke_run_gaps",
]
