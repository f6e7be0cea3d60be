"""Test configuration: hypothesis runs derandomized and without deadlines."""

from hypothesis import settings

settings.register_profile("funcad", derandomize=True, deadline=None, max_examples=60,
                          print_blob=True)
settings.load_profile("funcad")
