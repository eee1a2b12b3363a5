"""The inlining transform, and what it does to the shim."""

import ast

import pytest

from shim_support import HANDLER
from inline import inline, synth_limit


def test_transform_drops_blank_and_comment_lines_only():
    source = "import os\n\n   \n# top\n    # indented\n\t# tab\nx = '#not a comment'  # trailing\n  y = 1\n"
    assert inline(source) == "import os\nx = '#not a comment'  # trailing\n  y = 1\n"
    assert inline("a\n") == "a\n" and inline("a") == "a\n" and inline("") == "\n"


def test_handler_is_plain_lf_text():
    raw = HANDLER.read_bytes()
    assert b"\r" not in raw and b"\t" not in raw
    raw.decode("utf-8")


def test_inlining_does_not_change_the_program():
    # no multi-line string holds a blank or '#' line the transform would eat
    source = HANDLER.read_text()
    assert ast.dump(ast.parse(inline(source))) == ast.dump(ast.parse(source))


def test_inlined_handler_fits_the_synth_limit():
    limit = synth_limit()
    if limit is None:
        pytest.skip("the synth has no inline limit (LambdaSource.inlineLimit is gone)")
    size = len(inline(HANDLER.read_text()))
    assert size <= limit, f"inlined handler is {size} characters; the synth inlines at most {limit}"
