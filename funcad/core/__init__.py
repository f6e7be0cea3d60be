"""The core: primitives and their registry, traces and tracers."""
