"""Reading the user's text line by line: checked encodings, one-line errors naming the line, and
lines of any length in bounded memory."""
from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from elmo.errors import InputError

MAX_LINE_BYTES = 1 << 20  # a longer line is read (and handled) in parts of this size


def checked_encoding(encoding: str) -> str:
    """The codec's canonical name; it must keep ASCII bytes, since lines are split at b'\\n'."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown text encoding {encoding!r}") from None
    if not "ab\n".encode(name).endswith(b"ab\n"):
        raise InputError(f"the encoding {encoding!r} is not supported: lines are split at the "
                         "newline byte, so the encoding must be ASCII-compatible (such as utf-8, "
                         "latin-1, gb18030)")
    return name


def _decode_error(where: str, line: int, encoding: str, reason: str, byte: int) -> InputError:
    return InputError(f"{where}: line {line} is not valid {encoding} text ({reason} at byte {byte} "
                      f"of the line); give the file's encoding (--encoding)")


def decoded_line(raw: bytes, index: int, where: str, encoding: str) -> str:
    """Line ``index`` (0-based) of a file, decoded and stripped (a leading byte order mark too).

    Raises:
        InputError: NUL bytes (not a text file) or bytes invalid in ``encoding``, naming the line.
    """
    if b"\0" in raw:
        raise InputError(f"{where}: line {index + 1} holds NUL bytes: is this a text file? (give "
                         "one sentence per line)")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise _decode_error(where, index + 1, encoding, error.reason, error.start + 1) from None
    if index == 0:
        text = text.removeprefix("\ufeff")
    return text.strip()


def text_parts(stream: BinaryIO, where: str, encoding: str,
               max_bytes: int | None = None) -> Iterator[tuple[str, bool]]:
    """The lines of a binary stream as ``(text, ends_line)``, without their line ends; a line of
    more than ``max_bytes`` (default :data:`MAX_LINE_BYTES`) comes in several parts, all but the last with ``ends_line`` False.

    Raises:
        InputError: bytes invalid in ``encoding``, naming the line.
    """
    encoding, max_bytes = checked_encoding(encoding), max_bytes or MAX_LINE_BYTES
    number, offset = 1, 0  # the line being read, and how many of its bytes came before
    decoder = codecs.getincrementaldecoder(encoding)()
    while raw := stream.readline(max_bytes):
        ends = raw.endswith(b"\n")
        try:
            text = decoder.decode(raw, final=ends)
        except UnicodeDecodeError as error:
            raise _decode_error(where, number, encoding, error.reason, offset + error.start + 1) from None
        if number == 1 and offset == 0:
            text = text.removeprefix("\ufeff")
        yield text.rstrip("\r\n"), ends
        number, offset = (number + 1, 0) if ends else (number, offset + len(raw))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _decode_error(where, number, encoding, error.reason, offset + 1) from None
