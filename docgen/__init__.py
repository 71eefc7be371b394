"""The generated reference pages in docs/reference/: rendered from the code and config they describe, never by hand.

`make docs` writes them; `tests/tooling/test_reference_docs.py` fails when a committed page differs from its rendering.
"""
