"""The preset ``reference`` (docs/presets/reference.md): the reference gateway's wire format,
the same as this repository's own profile spells out, and a run over it gives the same verdicts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from pytest_tagsmoke.files.profile import PRESETS, load_profile
from pytest_tagsmoke.logstore.settings import HttpSettings
from tests.helpers import REPO

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from pytest_tagsmoke.reference import ReferenceGateway

WIRE_FORMAT = ("correlation_id", "attach", "log_store")


def _without_wire_format(profile: Path) -> str:
    document = yaml.safe_load(profile.read_text())
    for key in WIRE_FORMAT:
        del document[key]
    return yaml.safe_dump({"preset": "reference", **document}, sort_keys=False)


def test_the_preset_is_the_reference_gateways_wire_format(tmp_path: Path) -> None:
    assert "reference" in PRESETS
    env = {"TAGSMOKE_ENDPOINT": "http://127.0.0.1:1", "TAGSMOKE_API_KEY": "k"}
    spelled_out = load_profile(REPO / "tagsmoke.yaml", env)
    path = tmp_path / "tagsmoke.yaml"
    path.write_text(_without_wire_format(REPO / "tagsmoke.yaml"))
    over_preset = load_profile(path, env)
    assert over_preset.preset == "reference"
    assert over_preset.correlation == spelled_out.correlation
    assert over_preset.attach == spelled_out.attach
    assert over_preset.log_store == spelled_out.log_store


def test_the_demo_over_the_preset_gives_the_same_verdicts(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    profile = demo.path / "tagsmoke.yaml"
    args = ("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "-p", "no:cacheprovider")
    spelled_out = demo.runpytest(*args).parseoutcomes()
    profile.write_text(_without_wire_format(profile))
    result = demo.runpytest(*args)
    assert result.parseoutcomes() == spelled_out
    result.stdout.fnmatch_lines(["*preset*reference*"])


def test_the_docs_example_loads(tmp_path: Path) -> None:
    text = (REPO / "docs" / "presets" / "reference.md").read_text()
    (example,) = re.findall(r"```yaml\n(.*?)```", text, re.S)
    path = tmp_path / "tagsmoke.yaml"
    path.write_text(example)
    profile = load_profile(path, {"TAGSMOKE_API_KEY": "k"})
    assert profile.endpoint == "http://127.0.0.1:8787"
    assert profile.attach_for("use_case").name == "x-tag-use-case"
    assert isinstance(profile.log_store, HttpSettings)
    assert profile.log_store.record_url == "{endpoint}/logs/records?ids={correlation_ids}"
