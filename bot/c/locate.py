"""Where a function's definition is in a C file, found in the text without parsing it.

``lorebot paths FILE --function NAME`` needs one function (and the helpers it
calls), not the whole file: parsing only a definition's own lines costs what the
function costs, not what the file costs. Kernel style makes a definition easy to
find: its header starts in column 0 (``static int NAME(...)``, or ``NAME(...)``
under a line holding the return type) and its body ends with a ``}`` in column 0.
Anything else (a ``}`` that closes the body elsewhere, a name that is only
declared) gives None, and the caller parses the whole file instead.
"""

from __future__ import annotations

import re

_OPEN = re.compile(rb"[ \t]*\(")
_PARAMS = re.compile(rb"[()]|[{};]")
_HEADER_PREFIX = re.compile(rb"(?:[A-Za-z_]\w*[ \t*]+)*")
_NEXT_LINE = re.compile(rb"(?:[ \t]*\r?\n)*([ \t}])")  # the next line that is not blank
_SPECIFIERS = re.compile(rb"[A-Za-z_][\w \t*]*\r?\n")  # a line of words: static inline
# strings, characters and comments (skipped), or a brace (counted)
_BODY_TOKENS = re.compile(
    rb'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*(?:.*?\*/|.*\Z)|[{}]', re.S)
_ATTRIBUTES_ONLY = re.compile(rb"(?:\s|\w|\([^;{}]*\))*")


def _after_params(data: bytes, open_at: int) -> int | None:
    """The offset just after the ``)`` that closes the parameter list at ``open_at``."""
    depth = 0
    for match in _PARAMS.finditer(data, open_at):
        char = match.group()
        if char == b"(":
            depth += 1
        elif char == b")":
            depth -= 1
            if depth == 0:
                return match.end()
        else:
            return None
    return None


def _body_end(data: bytes, brace: int) -> int | None:
    """The offset of the ``}`` that closes the body opened at ``brace``."""
    depth = 0
    for match in _BODY_TOKENS.finditer(data, brace):
        char = match.group()
        if char == b"{":
            depth += 1
        elif char == b"}":
            depth -= 1
            if depth == 0:
                return match.start()
    return None


def function_span(data: bytes, name: str) -> tuple[tuple[int, int] | None, bool]:
    """(start, end) of the lines of ``name``'s definition, from its header's first line to
    the line after its closing brace, or None when the text is not plainly kernel style;
    and whether any line starting in column 0 names it before a parenthesis (if none
    does, the file defines no such function)."""
    needle = name.encode()
    named = False
    at = data.find(needle)
    while at >= 0:
        span, header = _definition_at(data, at, len(needle))
        if span is not None:
            return span, True
        named |= header
        at = data.find(needle, at + 1)
    return None, named


def _definition_at(data: bytes, at: int, length: int) -> tuple[tuple[int, int] | None, bool]:
    """The span of the definition whose name is at ``at``, and whether the name stands
    before a parenthesis on a line that starts in column 0 (a header, or a prototype)."""
    if at and (data[at - 1:at].isalnum() or data[at - 1] == ord("_")):
        return None, False
    paren = _OPEN.match(data, at + length)
    line_start = data.rfind(b"\n", 0, at) + 1
    header = paren is not None and data[line_start:line_start + 1] not in b" \t\r\n#/*"
    if not header or _HEADER_PREFIX.fullmatch(data, line_start, at) is None:
        return None, header
    return _definition(data, line_start, paren.end() - 1), True


def _definition(data: bytes, line_start: int, open_at: int) -> tuple[int, int] | None:
    after = _after_params(data, open_at)
    if after is None:
        return None
    brace = data.find(b"{", after)
    semicolon = data.find(b";", after)
    if brace < 0 or 0 <= semicolon < brace:
        return None  # a declaration, or a call
    if _ATTRIBUTES_ONLY.fullmatch(data, after, brace) is None:
        return None  # only attributes (__acquires(x)) may stand between ")" and "{"
    if brace and data[brace - 1] != ord("\n"):
        return None  # kernel style opens a body in column 0
    end = _body_end(data, brace)
    if end is None or data[end - 1] != ord("\n"):
        return None  # the body does not close in column 0: let the whole parse judge
    while line_start:  # "static" or the return type on the lines above
        previous = data.rfind(b"\n", 0, line_start - 1) + 1
        if _SPECIFIERS.fullmatch(data, previous, line_start) is None:
            break
        line_start = previous
    newline = data.find(b"\n", end)
    after = len(data) if newline < 0 else newline + 1
    following = _NEXT_LINE.match(data, after)
    if following is not None and following.group(1) in b" \t}":
        return None  # an indented line or a lone "}" after it: the body may go on
    return line_start, after
