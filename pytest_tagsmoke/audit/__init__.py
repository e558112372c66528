"""Audit mode: the seeds' control loop over a gateway's real traffic.

The census classifies every record in a window with the same pure
:func:`pytest_tagsmoke.policy.tag_policy.classify` the smoke test uses; stores return counts per
distinct tuple of mapped values (pushed down to SQL, DuckDB or a streaming reader) and the
policy judges each tuple once. The sample draws the seed's stratified records and fills the
nine seed fields. Front ends: ``tagsmoke audit`` (:mod:`.cli`) and ``pytest --tagsmoke-audit``
(:mod:`.pytest_items`).

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""
