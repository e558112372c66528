"""A real LiteLLM proxy for the tests: its config, a logging callback, and a runner."""
