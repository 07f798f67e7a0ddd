"""Columns converted in C give pygls's answers, in each encoding a client may ask for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from lsp_server.positions import FastPositionCodec

ENCODINGS = [types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf32]
# ASCII, two- and three-byte characters, characters beyond the BMP (two UTF-16 units), a tab.
LINES = st.text(alphabet=st.sampled_from(["a", "\t", "é", "€", "😋", "𝕏"]), max_size=12).flatmap(
    lambda text: st.sampled_from([text, text + "\n", text + "\r\n"]))


@pytest.mark.parametrize("encoding", ENCODINGS)
@given(line=LINES)
def test_every_column_within_a_line_converts_as_pygls_converts_it(encoding: str, line: str) -> None:
    fast, reference = FastPositionCodec(encoding), PositionCodec(encoding)
    lines = ["first\n", line]
    assert fast.client_num_units(line) == reference.client_num_units(line)
    for units in range(reference.client_num_units(line.rstrip("\r\n")) + 1):
        position = types.Position(line=1, character=units)
        assert fast.position_from_client_units(lines, position) == reference.position_from_client_units(
            lines, types.Position(line=1, character=units))
    for character in range(len(line) + 1):
        position = types.Position(line=1, character=character)
        assert fast.position_to_client_units(lines, position) == reference.position_to_client_units(lines, position)


def test_a_column_past_the_end_of_its_line_is_the_end_of_the_line() -> None:
    """As the protocol says; pygls gives the last character but one."""
    codec = FastPositionCodec(types.PositionEncodingKind.Utf16)
    assert codec.position_from_client_units(["abc"], types.Position(line=0, character=10)).character == 3
    assert codec.position_from_client_units(["a😋\r\n"], types.Position(line=0, character=10)).character == 2
    assert codec.position_from_client_units(["abc\n"], types.Position(line=5, character=0)).character == 4


def test_a_column_inside_a_character_counts_the_whole_character() -> None:
    line = ["x😋y"]
    assert FastPositionCodec(types.PositionEncodingKind.Utf16).position_from_client_units(
        line, types.Position(line=0, character=2)).character == 2
    assert FastPositionCodec(types.PositionEncodingKind.Utf8).position_from_client_units(
        line, types.Position(line=0, character=3)).character == 2
