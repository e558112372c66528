"""README's "Using it on your gateway", followed as printed: its profile and scenario file,
its commands, its failure example and its pull-request dry run, against the reference
gateway."""

from __future__ import annotations

import fnmatch
import re
from typing import TYPE_CHECKING

import pytest
import yaml

from tests.ci_steps import run_steps
from tests.helpers import REPO

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway

README = (REPO / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", README, flags=re.M | re.S)


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _block_after(marker: str, language: str) -> str:
    """The first ``language`` code block after ``marker`` in README."""
    rest = README[README.index(marker) :]
    match = re.search(rf"^```{language}\n(.*?)^```$", rest, flags=re.M | re.S)
    assert match is not None, f"no {language} block after {marker!r}"
    return match.group(1)


@pytest.fixture
def readme_project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project made of README's tagsmoke.yaml and scenarios/chat.yaml, as printed."""
    (pytester.path / "tagsmoke.yaml").write_text(_block_after("`tagsmoke.yaml` (at", "yaml"))
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "chat.yaml").write_text(
        _block_after("`scenarios/chat.yaml` —", "yaml")
    )
    return pytester


def _commands(block: str) -> list[list[str]]:
    """The commands of a bash block, without comments, split on whitespace."""
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return [line.split() for line in lines if line]


def test_quick_start_is_two_commands() -> None:
    block = _block_after("## Quick start", "bash")
    assert len(_commands(block)) == 2


def test_readme_profile_and_scenarios_run_as_printed(
    readme_project: pytest.Pytester,
    tagsmoke_gateway: ReferenceGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exports = _commands(_block_after("first say where the gateway is", "bash"))
    assert exports == [["export", "GATEWAY_URL=https://llm-gateway.example"]]
    monkeypatch.setenv("GATEWAY_URL", tagsmoke_gateway.url)
    monkeypatch.delenv("GATEWAY_SMOKE_KEY", raising=False)
    commands = _commands(_runs_block())
    assert commands == [
        ["pytest", "--tagsmoke"],
        ["pytest", "--tagsmoke", "scenarios/chat.yaml", "-k", "untagged"],
    ]
    everything = readme_project.runpytest(*commands[0][1:])
    everything.assert_outcomes(passed=2)
    selection = readme_project.runpytest(*commands[1][1:])
    selection.assert_outcomes(passed=1, deselected=1)


def _runs_block() -> str:
    blocks = [b for b in _blocks("bash") if b.startswith("pytest --tagsmoke")]
    assert len(blocks) == 1
    return blocks[0]


def test_readme_failure_example_is_what_a_failure_prints(
    readme_project: pytest.Pytester,
    tagsmoke_gateway: ReferenceGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_URL", tagsmoke_gateway.url)
    tagsmoke_gateway.faults.drop_header = "environment"
    result = readme_project.runpytest("--tagsmoke")
    result.assert_outcomes(passed=1, failed=1)
    example = _block_after("A failing scenario says", "")
    # README shows a staging gateway's URL and elides ids with "…"; the rest is verbatim.
    shown = tagsmoke_gateway.url
    lines = [
        line.replace("https://llm-gateway.example", shown).replace("…", "*")
        for line in example.splitlines()
    ]
    output = result.stdout.lines
    start = next(i for i, line in enumerate(output) if fnmatch.fnmatch(line, lines[0]))
    for offset, pattern in enumerate(lines):
        assert fnmatch.fnmatch(output[start + offset], pattern), (
            f"README line {pattern!r} != printed {output[start + offset]!r}"
        )


def test_pull_request_job_runs_without_credentials_or_endpoint(
    readme_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/examples/ci/pull-request.yml's check steps in README's project, with none of the
    run's variables set (the install step needs the network and is passed over)."""
    for name in ("GATEWAY_URL", "GATEWAY_SMOKE_KEY"):
        monkeypatch.delenv(name, raising=False)
    workflow = yaml.safe_load((REPO / "docs" / "examples" / "ci" / "pull-request.yml").read_text())
    temp = readme_project.mkdir("runner-temp")
    job = run_steps(
        workflow["jobs"]["tagsmoke-check"]["steps"],
        workdir=readme_project.path,
        temp=temp,
        context={},
        env={},
        skip=("python -m pip install",),
    )
    checked = [s for s in job.steps if s.returncode is not None]
    assert [s.name for s in checked] == [
        "Check the profile and scenario files",
        "Print the requests a run would send (dry run, nothing is sent)",
    ]
    assert not job.failed, [s.stdout + s.stderr for s in checked]
    assert "tagsmoke validate: 2 files valid" in checked[0].stdout
    assert "POST <GATEWAY_URL>/v1/chat/completions" in checked[1].stdout
