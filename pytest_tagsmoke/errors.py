"""Errors pytest-tagsmoke reports to people: each says where, what and what to do.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


@dataclass
class Problem:
    """One problem in a user's file, located as precisely as the file allows."""

    path: Path
    line: int | None
    column: int | None
    key_path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = (
            f"{where}: {self.key_path}: {self.message}"
            if self.key_path
            else (f"{where}: {self.message}")
        )
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class TagsmokeFileError(Exception):
    """A scenario or profile file that cannot be used; lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SetupError(Exception):
    """The run's setup failed (gateway or log store unreachable): not a tagging verdict."""
