"""Transforms: small interpreters over the primitives' rules."""
