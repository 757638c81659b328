"""Storage: everything that knows Redis keys (the index, its keys and Lua scripts, migrations, export,
the embedded Redis). It may use detection's types (how fingerprints are packed), never the tracer."""
