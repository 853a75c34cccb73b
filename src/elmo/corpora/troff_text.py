"""The text of a man page written in troff (``man`` or ``mdoc`` macros), without markup.

Requests (lines starting with ``.`` or ``'``) end a paragraph; the arguments of the text macros
(``.B``, ``.IR``, ``.SH``, mdoc's ``.Nm``, ``.Ar``...) are kept as text, quotes removed, and the
names of mdoc's inline macros among them (``Fl``, ``Ar``, ``Xr``...) dropped. Inline escapes are
removed (fonts ``\\fB``, sizes ``\\s-1``, strings ``\\*(xx``, zero-width ``\\&``...), except
``\\-`` (a hyphen), ``\\e`` (a backslash) and a few named characters (dashes, quotes, bullet).
"""
from __future__ import annotations

import re

_TEXT_MACROS = {"B", "I", "BR", "RB", "BI", "IB", "IR", "RI", "SM", "SB", "SH", "SS", "TP", "IP"}
_MDOC_MACRO = re.compile(r"[A-Z][a-z]{1,2}")
_MDOC_WORDS = {"Fl", "Ar", "Op", "Oo", "Oc", "Xr", "Nm", "Pa", "Dq", "Ql", "Sq", "Ic", "Cm", "Ev",
               "Va", "Em", "Li", "Sy", "Ns", "Pq", "Po", "Pc", "Bq", "Aq", "Dv", "Er", "Fn",
               "Fa", "Ft", "Xo", "Xc", "No", "Qq", "Cd", "Ad", "Lk", "Mt", "An"}
_NAMED = {"em": "—", "en": "–", "hy": "-", "lq": "“", "rq": "”", "oq": "‘", "cq": "’",
          "bu": "•", "co": "©", "aq": "'", "dq": '"', "ti": "~", "ha": "^", "mi": "-", "pl": "+"}
_ESCAPE = re.compile(
    r"\\(?:f(?:\[[^\]]*\]|\([A-Za-z0-9]{2}|.)"  # font changes
    r"|s[+-]?\d+|\*(?:\[[^\]]*\]|\(..|.)"        # size changes, string interpolations
    r"|\((..)|\[([^\]]*)\]"                       # named characters
    r"|([-e\\])|\s|[&,/|^:c%0tp)])")              # hyphen, backslash; zero-width marks


def man_paragraphs(source: str) -> list[str]:
    """The paragraphs of text of a man page, each with its whitespace collapsed."""
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(current).split())
        if text:
            paragraphs.append(text)
        current.clear()

    for line in source.split("\n"):
        line = line.split('\\"', 1)[0]  # a comment
        if line[:1] in (".", "'"):
            macro, _, arguments = line[1:].strip().partition(" ")
            flush()
            if macro in _TEXT_MACROS and arguments.strip():
                current.append(_inline(arguments.replace('"', "")))
                if macro in ("SH", "SS"):
                    flush()
            elif _MDOC_MACRO.fullmatch(macro) and arguments.strip():
                words = [word for word in arguments.replace('"', "").split()
                         if word not in _MDOC_WORDS]
                current.append(_inline(" ".join(words)))
        else:
            current.append(_inline(line))
    flush()
    return paragraphs


def _inline(text: str) -> str:
    return _ESCAPE.sub(_replace, text)


def _replace(match: re.Match) -> str:
    named = match.group(1) or match.group(2)
    if named is not None:
        return _NAMED.get(named, "")
    kept = match.group(3)
    if kept is not None:
        return {"-": "-", "e": "\\", "\\": "\\"}[kept]
    return " " if match.group(0)[1:].isspace() else ""
