"""Sweep rows by family: each module defines ``rows()`` returning ``op_specs.Row`` objects."""
