"""Seeing inside a derivative: trace tables (``explain``) and graphs (``make_graph``)."""
