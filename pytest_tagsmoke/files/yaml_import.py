"""PyYAML, imported without its slowest line.

``import yaml`` compiles one regular expression in ``yaml.reader`` (the characters YAML
does not allow) whose character class spans every code point: Python's regex compiler
walks the 64 Ki code points of its ranges one by one, ~8-14 ms of every run's start-up
(half of PyYAML's import), though the C loader this plugin reads with never uses it. The
same set of characters written as its complement compiles in ~1 ms; it is handed to
:func:`re.compile` through the regex module's cache, so PyYAML's class gets a pattern that
matches exactly the same characters (tests/test_yaml_import.py checks every code point).

The cache is ``re``'s own: where its shape is not the one known here, or PyYAML was
imported already, nothing is seeded and PyYAML compiles its pattern as before.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

import re
import sys

#: PyYAML's ``Reader.NON_PRINTABLE`` pattern, as written in ``yaml/reader.py``.
YAML_NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
#: The same characters, listed instead of excluded: the C0 controls but tab, line feed and
#: carriage return; DEL and the C1 controls but NEL; the surrogates; U+FFFE and U+FFFF.
NON_PRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


def seed_yaml_pattern() -> bool:
    """Put the quick pattern in ``re``'s cache under PyYAML's; True when seeded."""
    cache = getattr(re, "_cache", None)
    if "yaml" in sys.modules or not isinstance(cache, dict):
        return False
    key = (str, YAML_NON_PRINTABLE, 0)
    if key not in cache:
        cache[key] = re.compile(NON_PRINTABLE)
    return True


seed_yaml_pattern()

import yaml  # noqa: E402  (after the seed: its reader module compiles the pattern)

__all__ = ["yaml"]
