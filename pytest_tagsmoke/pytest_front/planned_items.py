"""pytest glue: which items pytest may skip before they run, so the batch leaves them out.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest


def will_not_run(item: pytest.Item) -> bool:
    """Whether pytest may skip ``item`` before it runs (``skip``, a ``skipif`` whose condition
    may hold, ``xfail(run=False)``): such an item is left out of the batch. Erring towards
    leaving out is safe: an unplanned item that does run is sent alone, when it runs."""
    for mark in item.iter_markers():  # one walk up the item's parents for the three names
        if mark.name == "skip":
            return True
        if mark.name == "skipif" and _may_hold(mark):
            return True
        if mark.name == "xfail" and not mark.kwargs.get("run", True) and _may_hold(mark):
            return True
    return False


def _may_hold(mark: pytest.Mark) -> bool:
    """A mark's conditions, as pytest reads them: none means always; a string is evaluated
    by pytest (taken as true here); anything else holds when truthy."""
    conditions = mark.args or ((mark.kwargs["condition"],) if "condition" in mark.kwargs else ())
    if not conditions:
        return True
    for condition in conditions:
        if isinstance(condition, str):
            return True
        try:
            if condition:
                return True
        except Exception:  # pytest reports the bad condition itself; leave the item out
            return True
    return False
