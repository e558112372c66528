"""Which files ``tagsmoke validate`` checks: what a run would load, not the run's own
artifacts, virtual environments, CI files or YAML the profile does not name; and the
pre-commit hook built on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from tests.helpers import REPO

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from pytest_tagsmoke.reference import ReferenceGateway

BAD_SCENARIO = "scenarios:\n  - name: a\n    path: hapy\n"


def _validate(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest_tagsmoke.cli", "validate", *args)


def test_validate_after_a_run_skips_the_run_folder(
    demo: pytest.Pytester, tagsmoke_gateway: ReferenceGateway
) -> None:
    run = demo.runpytest("--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}")
    run.assert_outcomes(passed=6)
    elsewhere = demo.runpytest(
        "--tagsmoke", f"--tagsmoke-endpoint={tagsmoke_gateway.url}", "--tagsmoke-artifacts=out"
    )
    elsewhere.assert_outcomes(passed=6)
    assert list(demo.path.glob("tagsmoke-artifacts/*/smoke_test_log.yaml"))
    assert list(demo.path.glob("out/*/smoke_test_log.yaml"))
    result = _validate(demo, ".")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["tagsmoke validate: 2 files valid"])


def test_validate_skips_environments_hidden_folders_and_unnamed_yaml(
    demo: pytest.Pytester,
) -> None:
    for folder in (".venv/lib/site", "env/lib", ".github/workflows", "node_modules/x", "docs"):
        (demo.path / folder).mkdir(parents=True)
        (demo.path / folder / "config.yaml").write_text(BAD_SCENARIO)
    (demo.path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (demo.path / "docker-compose.yml").write_text("services: {}\n")
    (demo.path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (demo.path / "scenarios" / "broken.yaml").write_text(BAD_SCENARIO)
    result = _validate(demo, ".")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "scenarios/broken.yaml:3:5: scenarios[[]0].path: expected one of*",
            "tagsmoke validate: 1 problem(s) in 3 files",
        ]
    )
    assert "config.yaml" not in result.stdout.str()
    assert "docker-compose" not in result.stdout.str()


def test_a_file_named_on_the_command_line_is_always_checked(demo: pytest.Pytester) -> None:
    (demo.path / "extra.yaml").write_text(BAD_SCENARIO)
    result = _validate(demo, "tagsmoke.yaml", "extra.yaml")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["extra.yaml:3:5: *", "tagsmoke validate: 1 problem(s) in 2 files"])


def test_without_a_profile_every_yaml_of_a_folder_is_a_scenario(
    pytester: pytest.Pytester,
) -> None:
    folder = pytester.mkdir("smoke")
    (folder / "a.yaml").write_text(BAD_SCENARIO)
    (folder / "b.yml").write_text(BAD_SCENARIO)
    result = _validate(pytester, "smoke")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*a.yaml:3:5:*", "*b.yml:3:5:*"])


def test_profile_artifact_folder_is_skipped_even_when_its_patterns_reach_it(
    pytester: pytest.Pytester,
) -> None:
    profile = (REPO / "tagsmoke.yaml").read_text()
    profile = profile.replace('scenarios: ["scenarios/*.yaml"]', 'scenarios: ["**/*.yaml"]')
    profile = profile.replace("artifacts: tagsmoke-artifacts", "artifacts: reports/smoke")
    (pytester.path / "tagsmoke.yaml").write_text(profile)
    (pytester.path / "chat.yaml").write_text((REPO / "scenarios" / "chat.yaml").read_text())
    stale = pytester.path / "reports" / "smoke"
    stale.mkdir(parents=True)
    (stale / "notes.yaml").write_text(BAD_SCENARIO)
    result = _validate(pytester, ".")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["tagsmoke validate: 2 files valid"])


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)


def test_pre_commit_hook_checks_what_a_run_would_load(tmp_path: Path) -> None:
    """``pre-commit try-repo`` builds the hook's environment from this repository (a pip
    install, so it takes a while) and runs it in a project after a run left artifacts."""
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    shutil.copy(REPO / "tagsmoke.yaml", project / "tagsmoke.yaml")
    shutil.copy(REPO / "scenarios" / "chat.yaml", project / "scenarios" / "chat.yaml")
    run_folder = project / "tagsmoke-artifacts" / "20261128T050100Z-e61084"
    run_folder.mkdir(parents=True)
    (run_folder / "smoke_test_log.yaml").write_text("smoke_test_log:\n  records: []\n")
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "tagsmoke-validate"]
    command += ["--all-files", "--verbose"]

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=project, env=env, capture_output=True, text=True, check=False
        )

    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "tagsmoke validate: 2 files valid" in passed.stdout

    (project / "scenarios" / "broken.yaml").write_text(BAD_SCENARIO)
    _git(project, "add", "-A")
    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "scenarios/broken.yaml:3:5: scenarios[0].path: expected one of" in failed.stdout
    assert "smoke_test_log" not in failed.stdout
