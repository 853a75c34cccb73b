"""Read R objects from an R package's lazy-load database (``Rdata.rdx`` + ``Rdata.rdb``).

The index (``.rdx``, written by ``saveRDS``: gzip) and each object in the database (``.rdb``) are
R serializations in the XDR (big-endian) format, version 2 or 3. Objects are compressed as R's
``lazyLoadDBinsertValue`` writes them: a 4-byte big-endian uncompressed length followed by zlib data (or, when the index says
``compressed`` is 2 or 3, by a one-byte method, ``'Z'`` xz, ``'2'`` bzip2, ``'1'`` zlib,
``'0'`` none). Only what data sets are made of is read: NULL, logical, integer, double, character
and raw vectors, lists, pairlists with tags and attributes, symbols, references, environments and
ALTREP compact sequences. R vectors become Python lists (NA is None); an object with attributes
becomes :class:`RObject`.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

_NIL, _SYM, _LIST, _CLOS, _ENV, _PROM, _LANG = 254, 1, 2, 3, 4, 5, 6
_CHAR, _LGL, _INT, _REAL, _CPLX, _STR, _DOT, _VEC, _EXPR, _RAW, _S4 = (
    9, 10, 13, 14, 15, 16, 17, 19, 20, 24, 25)
_REF, _ALTREP, _ATTRLANG, _ATTRLIST = 255, 238, 240, 239
_SPECIAL_ENVS = {242: "emptyenv", 241: "baseenv", 253: "globalenv", 252: "unbound",
                 251: "missing", 250: "basenamespace"}
_NA_INT = -(2 ** 31)
_LATIN1, _UTF8 = 1 << 2, 1 << 3


class RFormatError(ValueError):
    """The bytes are not an R serialization this reader understands."""


@dataclass
class RObject:
    """An R value with attributes (names, class, dim...)."""

    value: Any
    attributes: dict[str, Any] = field(default_factory=dict)


def load_lazy_database(rdx: bytes, rdb: bytes) -> dict[str, Any]:
    """Every variable of a lazy-load database, by name."""
    index = _plain(unserialize(gzip.decompress(rdx) if rdx[:2] == b"\x1f\x8b" else rdx))
    method = _plain(index.get("compressed", [True]))
    method = 1 if method in (True, [True], None) else int(method[0] if isinstance(method, list)
                                                           else method)
    variables = _plain(index["variables"])
    result = {}
    for name, where in variables.items():
        offset, length = (int(number) for number in _plain(where))
        result[name] = unserialize(decompress(rdb[offset:offset + length], method))
    return result


def decompress(blob: bytes, method: int = 1) -> bytes:
    """An object's bytes as stored in a lazy-load database (see the module docstring)."""
    if len(blob) < 4:
        raise RFormatError("a stored object is shorter than its length prefix")
    size, data = struct.unpack(">I", blob[:4])[0], blob[4:]
    if method != 1:
        kind, data = data[:1], data[1:]
        data = {b"Z": lzma.decompress, b"2": bz2.decompress, b"1": zlib.decompress,
                b"0": bytes}.get(kind, lambda _: None)(data)
        if data is None:
            raise RFormatError(f"unknown compression {kind!r}")
    else:
        data = zlib.decompress(data)
    if len(data) != size:
        raise RFormatError(f"object of {len(data)} bytes, {size} expected")
    return data


def unserialize(data: bytes) -> Any:
    """The R object serialized in XDR format in ``data``."""
    return _Reader(data).read_stream()


def _plain(value: Any) -> Any:
    """A named R list as a dict (names from its ``names`` attribute); other values unchanged."""
    if isinstance(value, RObject) and "names" in value.attributes and isinstance(value.value, list):
        return dict(zip(value.attributes["names"], value.value))
    return value.value if isinstance(value, RObject) else value


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.position = data, 0
        self.references: list[Any] = []

    def read_stream(self) -> Any:
        if self.data[:2] != b"X\n":
            raise RFormatError("not an XDR R serialization (no 'X\\n' header)")
        self.position = 2
        version = self._int()
        self._int(), self._int()  # the writing R version, the minimal reading one
        if version == 3:
            self._bytes(self._int())  # the native encoding's name
        elif version != 2:
            raise RFormatError(f"serialization version {version} is not supported")
        return self._item()

    def _int(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.position)
        self.position += 4
        return value

    def _bytes(self, count: int) -> bytes:
        chunk = self.data[self.position:self.position + count]
        if len(chunk) != count:
            raise RFormatError("the serialization ends in the middle of an object")
        self.position += count
        return chunk

    def _length(self) -> int:
        length = self._int()
        if length == -1:  # a long vector: two more ints
            upper, lower = self._int(), self._int()
            length = (upper << 32) + lower
        return length

    def _item(self) -> Any:
        flags = self._int()
        kind, levels = flags & 0xFF, flags >> 12
        has_attributes, has_tag = bool(flags & (1 << 9)), bool(flags & (1 << 10))
        if kind == _NIL:
            return None
        if kind in _SPECIAL_ENVS:
            return _SPECIAL_ENVS[kind]
        if kind == _REF:
            index = flags >> 8 or self._int()
            return self.references[index - 1]
        if kind == _SYM:
            symbol = self._item()
            self.references.append(symbol)
            return symbol
        if kind == _ENV:
            return self._environment()
        if kind in (_LIST, _LANG, _CLOS, _PROM, _DOT, _ATTRLANG, _ATTRLIST):
            return self._pairlist(has_attributes, has_tag)
        if kind == _ALTREP:
            return self._altrep()
        if kind == _CHAR:
            length = self._int()
            if length == -1:
                return None
            raw = self._bytes(length)
            return raw.decode("latin-1" if levels & _LATIN1 else "utf-8", errors="replace")
        value = self._vector(kind)
        if has_attributes:
            return RObject(value, self._attributes())
        return value

    def _vector(self, kind: int) -> Any:
        length = self._length()
        if kind in (_LGL, _INT):
            values = struct.unpack_from(f">{length}i", self.data, self.position)
            self.position += 4 * length
            return [None if value == _NA_INT else value for value in values]
        if kind == _REAL:
            values = struct.unpack_from(f">{length}d", self.data, self.position)
            self.position += 8 * length
            return list(values)
        if kind == _CPLX:
            values = struct.unpack_from(f">{2 * length}d", self.data, self.position)
            self.position += 16 * length
            return [complex(values[i], values[i + 1]) for i in range(0, 2 * length, 2)]
        if kind == _RAW:
            return self._bytes(length)
        if kind in (_STR, _VEC, _EXPR):
            return [self._item() for _ in range(length)]
        if kind == _S4:
            return None
        raise RFormatError(f"R object type {kind} is not supported")

    def _attributes(self) -> dict[str, Any]:
        attributes = self._item()
        return attributes if isinstance(attributes, dict) else {}

    def _pairlist(self, has_attributes: bool, has_tag: bool) -> dict | list:
        """A pairlist as a dict of tag -> value (a list of values when untagged)."""
        entries: list[tuple[Any, Any]] = []
        while True:
            if has_attributes:
                self._item()
            tag = self._item() if has_tag else None
            entries.append((tag, self._item()))
            flags = self._int()
            kind = flags & 0xFF
            if kind == _NIL:
                break
            if kind not in (_LIST, _LANG, _ATTRLIST, _ATTRLANG):
                self.position -= 4
                self._item()  # an improper tail: read and drop it
                break
            has_attributes, has_tag = bool(flags & (1 << 9)), bool(flags & (1 << 10))
        if all(tag is not None for tag, _ in entries):
            return {tag: value for tag, value in entries}
        return [value for _, value in entries]

    def _environment(self) -> dict:
        environment: dict[str, Any] = {}
        self.references.append(environment)
        self._int()  # locked
        _enclosure, frame, hashtab, _attributes = (self._item() for _ in range(4))
        if isinstance(frame, dict):
            environment.update(frame)
        for bucket in hashtab.value if isinstance(hashtab, RObject) else hashtab or []:
            if isinstance(bucket, dict):
                environment.update(bucket)
        return environment

    def _altrep(self) -> Any:
        info, state, attributes = self._item(), self._item(), self._item()
        name = info[0] if isinstance(info, list) and info else None
        if name in ("compact_intseq", "compact_realseq") and isinstance(state, list):
            count, start, step = (int(number) for number in state[:3])
            value = [start + i * step for i in range(count)]
        elif isinstance(state, list) and state and name and name.startswith("wrap_"):
            value = state[0]
        elif name == "deferred_string" and isinstance(state, list) and state:
            inner = state[0]
            value = [str(item) for item in (inner.value if isinstance(inner, RObject) else inner)]
        else:
            raise RFormatError(f"ALTREP class {name!r} is not supported")
        return RObject(value, attributes) if isinstance(attributes, dict) and attributes else value
