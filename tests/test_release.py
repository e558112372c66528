"""Release hygiene: one version source, ``tagsmoke --version``, the licence, the changelog,
classifiers for exactly the Pythons CI tests, and JUnit properties without "None"."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import metadata, version
from typing import TYPE_CHECKING

import pytest_tagsmoke
from tests.helpers import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

if TYPE_CHECKING:
    import pytest

    from pytest_tagsmoke.reference import ReferenceGateway


def test_one_version_source() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "pytest_tagsmoke/__init__.py"
    assert version("pytest-tagsmoke") == pytest_tagsmoke.__version__


def test_tagsmoke_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_tagsmoke.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout == f"tagsmoke {version('pytest-tagsmoke')}\n"


def test_licence_is_the_mit_licence_the_metadata_names() -> None:
    assert metadata("pytest-tagsmoke")["License-Expression"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License\n")


def test_changelog_keeps_a_changelog() -> None:
    text = (REPO / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert releases[0] == "Unreleased"
    assert pytest_tagsmoke.__version__ in releases
    for release in releases:
        assert re.search(rf"^\[{re.escape(release)}\]: ", text, flags=re.M), release
    unreleased = text.split("## [Unreleased]")[1].split("\n## [")[0]
    assert "### Added" in unreleased


def test_classifiers_name_exactly_the_pythons_ci_tests() -> None:
    classified = {
        c.rsplit(" :: ", 1)[1]
        for c in metadata("pytest-tagsmoke").get_all("Classifier") or []
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    loop = re.search(r"^for version in ([\d. ]+); do$", (REPO / ".ci" / "run").read_text(), re.M)
    assert loop is not None
    assert classified == set(loop.group(1).split()) == {"3.10", "3.11", "3.12", "3.13"}


def test_junit_properties_of_a_pass_are_not_none(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    result = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "--junitxml=junit.xml"
    )
    result.assert_outcomes(passed=6)
    properties = ET.parse(demo.path / "junit.xml").getroot().iter("property")
    values = {(p.get("name"), p.get("value")) for p in properties}
    assert ("result", "pass") in values
    assert [name for name, value in values if value == "None"] == []
