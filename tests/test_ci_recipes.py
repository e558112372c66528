"""The CI recipes: action.yml and docs/examples/ci/ match the published GitHub Actions,
workflow and GitLab CI schemas (as shipped by check-jsonschema, offline), docs/ci.md quotes
every example word for word, and the action's shell steps gate a real run against the
reference gateway."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from tests.ci_steps import JobRun, run_steps
from tests.helpers import REPO

if TYPE_CHECKING:
    from pytest_tagsmoke.reference import ReferenceGateway

EXAMPLES = REPO / "docs" / "examples" / "ci"
SCHEMA_OF = {
    "action.yml": "vendor.github-actions",
    "after-deploy.yml": "vendor.github-workflows",
    "pull-request.yml": "vendor.github-workflows",
    "nightly-audit.yml": "vendor.github-workflows",
    "gitlab-ci.yml": "vendor.gitlab-ci",
}


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_example_has_a_schema() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(set(SCHEMA_OF) - {"action.yml"})


@pytest.mark.parametrize(("name", "schema"), SCHEMA_OF.items())
def test_recipe_matches_the_published_schema(name: str, schema: str) -> None:
    path = REPO / name if name == "action.yml" else EXAMPLES / name
    done = _check_jsonschema(schema, path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_action(tmp_path: Path) -> None:
    """The schema check above can fail: a composite run step must name its shell."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    del next(s for s in action["runs"]["steps"] if "run" in s)["shell"]
    broken = tmp_path / "action.yml"
    broken.write_text(yaml.safe_dump(action))
    done = _check_jsonschema("vendor.github-actions", broken)
    assert done.returncode == 1
    assert "shell" in done.stdout


def _fenced_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```$", markdown, flags=re.M | re.S)


def test_docs_ci_quotes_every_example_word_for_word() -> None:
    blocks = _fenced_blocks((REPO / "docs" / "ci.md").read_text())
    for path in [*EXAMPLES.iterdir(), REPO / ".pre-commit-hooks.yaml"]:
        assert path.read_text() in blocks, f"docs/ci.md does not quote {path.name} as it is"


# -- the action's shell steps, run against the reference gateway ----------------------------


def _run_action(
    tmp_path: Path, gateway: ReferenceGateway, inputs: dict[str, str]
) -> tuple[JobRun, Path]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "tagsmoke.yaml", project / "tagsmoke.yaml")
    shutil.copytree(REPO / "scenarios", project / "scenarios")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    context = {"github.action_path": str(REPO), "github.job": "smoke", "runner.temp": str(temp)}
    declared: dict[str, Any] = action["inputs"]
    assert set(inputs) <= set(declared)
    for name, spec in declared.items():
        context[f"inputs.{name}"] = inputs.get(name, str(spec.get("default", "")))
    job = run_steps(
        action["runs"]["steps"],
        workdir=project,
        temp=temp,
        context=context,
        env={"TAGSMOKE_ENDPOINT": gateway.url},
    )
    return job, temp


# The package is already installed here: the install step runs and finds it satisfied.
INSTALLED = {"package": "pytest-tagsmoke", "python-version": ""}


def test_action_gate_holds_and_keeps_the_run_folder(
    tmp_path: Path, tagsmoke_gateway: ReferenceGateway
) -> None:
    job, temp = _run_action(tmp_path, tagsmoke_gateway, INSTALLED)
    assert [s.name for s in job.steps] == [
        "Set up Python",
        "Install pytest-tagsmoke",
        "Run the tagsmoke gate",
        "Upload the run folder",
        "Fail the job on a failed gate",
    ]
    assert not job.failed, [s.stdout + s.stderr for s in job.steps]
    assert "installing pytest-tagsmoke from: pytest-tagsmoke" in job.steps[1].stdout
    assert "12 passed" in job.step("Run the tagsmoke gate").stdout
    assert job.outputs["steps.gate.outputs.exit-code"] == "0"
    run_folder = job.outputs["steps.gate.outputs.run-folder"]
    assert run_folder.startswith(str(temp / "tagsmoke"))
    # What the upload step uploads: the run folder and the JUnit report.
    uploaded = temp / "tagsmoke"
    assert (uploaded / "junit.xml").is_file()
    assert {p.name for p in (uploaded / run_folder.rsplit("/", 1)[-1]).iterdir()} >= {
        "records.jsonl",
        "summary.json",
        "summary.md",
    }
    # The plugin wrote the job summary itself.
    assert "### tagsmoke: 12 scenarios, 12 pass, 0 fail" in job.summary
    assert "gate failed" not in job.summary


def test_action_fails_the_job_on_a_failed_gate(
    tmp_path: Path, tagsmoke_gateway: ReferenceGateway
) -> None:
    tagsmoke_gateway.faults.drop_header = "environment"
    inputs = {**INSTALLED, "scenarios": "scenarios/chat.yaml", "pytest-args": '-k "header"'}
    job, temp = _run_action(tmp_path, tagsmoke_gateway, inputs)
    gate = job.step("Run the tagsmoke gate")
    assert gate.returncode == 0  # the gate step records the verdict; the last step acts on it
    assert "missing_environment" in gate.stdout
    assert job.outputs["steps.gate.outputs.exit-code"] == "1"
    last = job.step("Fail the job on a failed gate")
    assert last.returncode == 1
    assert "::error title=tagsmoke gate failed::a scenario failed" in last.stdout
    assert "**tagsmoke gate failed:**" in job.summary
    assert "missing_environment" in (temp / "tagsmoke" / "junit.xml").read_text()


def test_action_reports_a_usage_error_as_such(
    tmp_path: Path, tagsmoke_gateway: ReferenceGateway
) -> None:
    job, _ = _run_action(tmp_path, tagsmoke_gateway, {**INSTALLED, "profile": "missing.yaml"})
    assert job.outputs["steps.gate.outputs.exit-code"] == "4"
    assert "usage error" in job.step("Fail the job on a failed gate").stdout


def test_pre_commit_files_are_valid_for_pre_commit(tmp_path: Path) -> None:
    """The hook manifest, and docs/ci.md's .pre-commit-config.yaml, as pre-commit reads them."""
    config = next(
        b for b in _fenced_blocks((REPO / "docs" / "ci.md").read_text()) if b.startswith("repos:")
    )
    (tmp_path / ".pre-commit-config.yaml").write_text(config)
    for command, path in [
        ("validate-manifest", REPO / ".pre-commit-hooks.yaml"),
        ("validate-config", tmp_path / ".pre-commit-config.yaml"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "pre_commit", command, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    hook = yaml.safe_load(config)["repos"][0]["hooks"][0]["id"]
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook in {h["id"] for h in manifest}


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    return loaded


def _bash(script: str, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=project,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _demo_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "tagsmoke.yaml", project / "tagsmoke.yaml")
    shutil.copytree(REPO / "scenarios", project / "scenarios")
    return project


def test_gitlab_jobs_scripts_run_as_written(
    tmp_path: Path, tagsmoke_gateway: ReferenceGateway
) -> None:
    """The GitLab jobs' `script:` lines (the install in `before_script:` needs the network)."""
    gitlab = _example("gitlab-ci.yml")
    project = _demo_project(tmp_path)
    smoke = _bash(
        "\n".join(gitlab["tagsmoke"]["script"]),
        project,
        {"TAGSMOKE_ENDPOINT": tagsmoke_gateway.url},
    )
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    artifacts = gitlab["tagsmoke"]["artifacts"]
    assert (project / artifacts["reports"]["junit"]).is_file()
    assert list((project / artifacts["paths"][0]).glob("*/records.jsonl"))
    check = _bash("\n".join(gitlab["tagsmoke-validate"]["script"]), project, {})
    assert check.returncode == 0, check.stdout + check.stderr
    assert "tagsmoke dry run: nothing was sent" in check.stdout


def test_after_deploy_workflow_sets_the_variables_the_readme_profile_reads() -> None:
    readme = (REPO / "README.md").read_text()
    profile = readme[readme.index("`tagsmoke.yaml` (at") :].split("```yaml\n")[1].split("```")[0]
    variables = set(re.findall(r"\$\{(\w+)", profile))
    job = _example("after-deploy.yml")["jobs"]["tagsmoke"]
    assert set(job["env"]) == variables == {"GATEWAY_URL", "GATEWAY_SMOKE_KEY"}


def test_nightly_audit_uses_options_tagsmoke_audit_has() -> None:
    steps = _example("nightly-audit.yml")["jobs"]["audit"]["steps"]
    step = next(s for s in steps if "tagsmoke audit" in s.get("run", ""))
    used = set(re.findall(r"(--[a-z-]+)", step["run"]))
    assert used == {"--profile", "--since", "--until", "--out"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest_tagsmoke.cli", "audit", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    if "invalid choice: 'audit'" in done.stderr:
        pytest.skip("`tagsmoke audit` is not in this tree yet")
    assert done.returncode == 0, done.stderr
    assert used <= set(re.findall(r"(--[a-z-]+)", done.stdout))


def test_action_dry_run_does_not_hold_the_gate(
    tmp_path: Path, tagsmoke_gateway: ReferenceGateway
) -> None:
    """A dry run sends nothing: pytest exits 0, but nothing was checked."""
    job, _ = _run_action(
        tmp_path, tagsmoke_gateway, {**INSTALLED, "pytest-args": "--tagsmoke-dry-run"}
    )
    assert job.outputs["steps.gate.outputs.exit-code"] == "0"
    assert tagsmoke_gateway.received == []
    last = job.step("Fail the job on a failed gate")
    assert last.returncode == 1
    assert "dry run: nothing was checked, the gate does not hold" in last.stdout
    assert "tagsmoke gate holds" not in last.stdout
    assert "**tagsmoke gate failed:** dry run" in job.summary


def test_action_pytest_args_description_suggests_no_dry_run() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert "--tagsmoke-dry-run" not in action["inputs"]["pytest-args"]["description"]


def test_action_fails_on_pytest_args_that_cannot_be_split(
    tmp_path: Path, tagsmoke_gateway: ReferenceGateway
) -> None:
    """An unbalanced quote fails the step; the gate never runs with the arguments dropped."""
    inputs = {**INSTALLED, "pytest-args": '-k "header'}
    job, _ = _run_action(tmp_path, tagsmoke_gateway, inputs)
    gate = job.step("Run the tagsmoke gate")
    assert gate.returncode not in (None, 0)
    assert "::error title=tagsmoke gate failed::" in gate.stdout
    assert "cannot be split" in gate.stdout
    assert "No closing quotation" in gate.stdout
    assert tagsmoke_gateway.received == []
    assert job.failed
    assert "steps.gate.outputs.exit-code" not in job.outputs


# -- .ci/run: every supported Python, or a failed run -----------------------------------------
def _ci_run_without_pythons(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``.ci/run`` (a copy) on a machine where, of the matrix's Pythons, only this one is."""
    project = tmp_path / "project"
    (project / ".ci").mkdir(parents=True)
    shutil.copy(REPO / ".ci" / "run", project / ".ci" / "run")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "dirname").symlink_to(shutil.which("dirname") or "/usr/bin/dirname")
    this = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (tools / f"python{this}").symlink_to(sys.executable)
    return subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(project / ".ci" / "run")],
        env={
            "PATH": str(tools),
            "HOME": str(tmp_path),
            "PYENV_ROOT": str(tmp_path / "pyenv"),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_ci_run_fails_at_once_when_a_supported_python_is_missing(tmp_path: Path) -> None:
    done = _ci_run_without_pythons(tmp_path)
    this = f"{sys.version_info[0]}.{sys.version_info[1]}"
    others = [v for v in ("3.10", "3.11", "3.12", "3.13") if v != this]
    assert done.returncode == 1, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if "NOT FOUND" in line] == [
        f"== Python {v}: NOT FOUND" for v in others
    ]
    assert f"FAILED: Python {' '.join(others)} not found" in done.stderr
    assert "TAGSMOKE_CI_ALLOW_MISSING=1" in done.stderr
    assert "README command 1" not in done.stdout  # nothing else ran


def test_ci_run_goes_on_without_them_when_allowed(tmp_path: Path) -> None:
    done = _ci_run_without_pythons(tmp_path, TAGSMOKE_CI_ALLOW_MISSING="1")
    assert "FAILED" not in done.stderr
    assert "not found: their tests are skipped (TAGSMOKE_CI_ALLOW_MISSING=1)" in done.stdout
