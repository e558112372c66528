"""The JSON Schemas of the profile and of scenario files.

PYTEST_DONT_REWRITE: engine code, not tests; pytest leaves its asserts alone.
"""
