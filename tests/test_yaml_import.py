"""PyYAML is imported with its non-printable pattern pre-compiled the quick way (issue 16)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pytest_tagsmoke.files.yaml_import import NON_PRINTABLE, YAML_NON_PRINTABLE


def test_the_quick_pattern_finds_exactly_the_characters_pyyaml_refuses() -> None:
    every_character = "".join(map(chr, range(sys.maxunicode + 1)))
    # re.UNICODE: the same meaning for a str pattern, another cache key: compiled as written.
    pyyaml = re.compile(YAML_NON_PRINTABLE, re.UNICODE)
    quick = re.compile(NON_PRINTABLE)
    assert quick.findall(every_character) == pyyaml.findall(every_character)
    assert "\x07" in quick.findall(every_character)
    assert "\t" not in quick.findall(every_character)


def test_the_pattern_seeded_is_the_one_pyyaml_compiles() -> None:
    source = Path(yaml.reader.__file__).read_text(encoding="utf-8")
    patterns = [
        ast.literal_eval(node.value.args[0])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", None) == "NON_PRINTABLE" for t in node.targets)
        and isinstance(node.value, ast.Call)
    ]
    assert patterns == [YAML_NON_PRINTABLE]


def test_a_fresh_process_gets_the_quick_pattern_and_pyyaml_still_refuses_controls() -> None:
    code = (
        "import pytest_tagsmoke.files.yaml_loader, yaml\n"
        "print(yaml.reader.Reader.NON_PRINTABLE.pattern == "
        "pytest_tagsmoke.files.yaml_import.NON_PRINTABLE)\n"
        "try:\n"
        "    yaml.load('a: \\x07', Loader=yaml.SafeLoader)\n"
        "except yaml.reader.ReaderError as exc:\n"
        "    print(type(exc).__name__, exc.character == 7)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "ReaderError", "True"]


def test_pyyaml_imported_first_is_left_as_it_is() -> None:
    from pytest_tagsmoke.files.yaml_import import seed_yaml_pattern

    assert "yaml" in sys.modules
    assert seed_yaml_pattern() is False
    with pytest.raises(yaml.reader.ReaderError, match="special characters"):
        yaml.load("a: \x07", Loader=yaml.SafeLoader)
