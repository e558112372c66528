"""Run the ``run:`` steps of a GitHub composite action or workflow job with bash, as a runner
would: ``${{ … }}`` expressions in ``env:``/``working-directory:`` evaluated from a small
context, ``$GITHUB_OUTPUT`` read back into ``steps.<id>.outputs``, and the step scripts run
with ``bash --noprofile --norc -eo pipefail`` (GitHub's ``shell: bash``). ``uses:`` steps are
not run (they are other people's actions); they are listed so a test can see they were
passed over. Only the expressions a file actually uses are supported: anything else fails
the test, so a new expression is not silently mis-evaluated.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


@dataclass
class StepRun:
    name: str
    returncode: int | None  # None: a `uses:` step, not run
    stdout: str = ""
    stderr: str = ""


@dataclass
class JobRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)

    @property
    def failed(self) -> bool:
        return any(s.returncode not in (None, 0) for s in self.steps)


def evaluate(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression not in context:
            raise AssertionError(f"expression not supported by the test runner: {expression}")
        return context[expression]

    return _EXPRESSION.sub(value, text)


def _outputs(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if "=" in line)


def run_steps(
    steps: list[dict[str, Any]],
    *,
    workdir: Path,
    temp: Path,
    context: dict[str, str],
    env: dict[str, str],
    skip: tuple[str, ...] = (),
) -> JobRun:
    """Run ``steps`` in ``workdir``; steps whose script starts with one of ``skip`` are
    passed over like ``uses:`` steps (e.g. an install from the network)."""
    job = JobRun()
    summary = temp / "step-summary.md"
    summary.touch()
    # `python` and the console scripts are this interpreter's, as after actions/setup-python.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for number, step in enumerate(steps):
        name = str(step.get("name", step.get("uses", step.get("run", ""))))
        script = step.get("run")
        if script is None or str(script).startswith(skip):
            job.steps.append(StepRun(name, None))
            continue
        if job.failed and "always()" not in str(step.get("if", "")):
            continue
        assert "${{" not in script, f"step {name!r} pastes an expression into its script"
        output = temp / f"output-{number}"
        step_env = {
            **os.environ,
            "PATH": path,
            **env,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": context.get("runner.temp", str(temp)),
            **{k: evaluate(str(v), context) for k, v in step.get("env", {}).items()},
        }
        where = workdir / evaluate(str(step.get("working-directory", ".")), context)
        script_file = temp / f"step-{number}.sh"
        script_file.write_text(script)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=where,
            env=step_env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        job.steps.append(StepRun(name, done.returncode, done.stdout, done.stderr))
        if "id" in step:
            for key, value in _outputs(output).items():
                context[f"steps.{step['id']}.outputs.{key}"] = value
    for key, value in context.items():
        if key.startswith("steps."):
            job.outputs[key] = value
    job.summary = summary.read_text()
    return job
