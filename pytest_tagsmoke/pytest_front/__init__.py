"""Stage 7, the pytest glue: options, collector, items, plugins, terminal."""
