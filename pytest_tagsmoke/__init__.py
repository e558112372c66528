"""pytest-tagsmoke: smoke-test the cost-attribution tagging path of an AI gateway.

The package's entry module for pytest is :mod:`pytest_tagsmoke.plugin`. Importing this
package must stay cheap: pytest imports it in every run of an environment where it is
installed, so nothing heavy is imported here.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

__version__ = "0.1.0"
