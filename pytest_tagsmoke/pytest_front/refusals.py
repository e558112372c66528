"""Production safety for a smoke run: smoke traffic must not land in a production budget.

Which endpoint and which scenarios are refused, each worked out once (the batch plan and
each item's setup both ask) unless ``--tagsmoke-allow-production`` is given.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_tagsmoke.sending.production import environment_refusal, host_refusal

if TYPE_CHECKING:
    from pytest_tagsmoke.files.profile import Profile
    from pytest_tagsmoke.files.scenario import Scenario
    from pytest_tagsmoke.files.scenario_model import RequestSpec


class ProductionRefusals:
    """Why an endpoint or a scenario is refused (or None), remembered per scenario."""

    def __init__(self, profile: Profile, allow_production: bool) -> None:
        self.profile = profile
        self.allow_production = allow_production
        self._refusals: dict[int, tuple[Scenario, str | None]] = {}
        self._request_refusals: dict[tuple[object, ...], tuple[RequestSpec, str | None]] = {}

    def host(self, endpoint: str) -> str | None:
        """Why ``endpoint`` is refused (a production host), or None."""
        return (
            None if self.allow_production else host_refusal(endpoint, self.profile.production_hosts)
        )

    def scenario(self, scenario: Scenario) -> str | None:
        """Why ``scenario`` is refused (it carries environment=production), or None; worked
        out once per scenario (the batch plan and the item's setup both ask)."""
        if self.allow_production:
            return None
        known = self._refusals.get(id(scenario))
        if known is None or known[0] is not scenario:
            known = self._refusals[id(scenario)] = (scenario, self._environment_refusal(scenario))
        return known[1]

    def _environment_refusal(self, scenario: Scenario) -> str | None:
        """:func:`environment_refusal`, worked out once for the runs of an expanded scenario
        that send the same request: the same request spec (shared by the runs), tags,
        attach, request class and credential (everything the check builds the request
        from)."""
        key = (
            id(scenario.request),
            tuple(scenario.tags.items()),
            repr(scenario.attach),
            scenario.request_class,
            scenario.credential,
        )
        known = self._request_refusals.get(key)
        if known is None or known[0] is not scenario.request:
            known = self._request_refusals[key] = (
                scenario.request,
                environment_refusal(scenario, self.profile),
            )
        return known[1]
