"""A corpus of bad scenario and profile files: each error names file, line, column and key.

Every file in tests/corpus/ starts with ``# expect: LINE:COL: text`` lines (line numbers of
the YAML below the header) or ``# expect: text``, and optionally ``# secret: VALUE``, a
literal key the error must not echo.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_tagsmoke.errors import TagsmokeFileError
from pytest_tagsmoke.files.profile import load_profile
from pytest_tagsmoke.files.scenario import load_scenario_file

CORPUS = Path(__file__).parent / "corpus"
_LOCATED = re.compile(r"^(\d+):(\d+): (.*)$")


def _cases(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).glob("*.yaml"))


def _check(path: Path, error: TagsmokeFileError) -> None:
    header = [line for line in path.read_text().splitlines() if line.startswith("# ")]
    offset = len(header)
    expects = [line[len("# expect: ") :] for line in header if line.startswith("# expect: ")]
    secrets = [line[len("# secret: ") :] for line in header if line.startswith("# secret: ")]
    text = str(error)
    for expect in expects:
        located = _LOCATED.match(expect)
        if located is None:
            assert expect in text
            continue
        line, column, fragment = int(located[1]) + offset, int(located[2]), located[3]
        assert any(
            p.line == line and p.column == column and fragment in str(p) for p in error.problems
        ), f"expected {line}:{column}: {fragment!r} in:\n{text}"
        assert f"{path}:{line}:{column}: " in text
    for secret in secrets:
        assert secret not in text


def test_the_corpus_is_large_enough() -> None:
    assert len(_cases("scenarios")) + len(_cases("profiles")) >= 30


@pytest.mark.parametrize("path", _cases("scenarios"), ids=lambda p: p.stem)
def test_bad_scenario_file(path: Path) -> None:
    with pytest.raises(TagsmokeFileError) as excinfo:
        load_scenario_file(path, known_fields={"owner", "environment", "use_case", "bucket"})
    _check(path, excinfo.value)


@pytest.mark.parametrize("path", _cases("profiles"), ids=lambda p: p.stem)
def test_bad_profile_file(path: Path) -> None:
    with pytest.raises(TagsmokeFileError) as excinfo:
        load_profile(path, environ={})
    _check(path, excinfo.value)
