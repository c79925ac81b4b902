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
_BODY_OR_END = re.compile(rb"[{};]")
_DIRECTIVE = re.compile(rb"[ \t]*#[ \t]*\w")  # "#:" is no directive: a parser reads on
# bounds that keep hostile text linear: a parameter list, the gap between ")" and "{"
# (attributes), and the places one name could be declared that are looked at (after
# that many the whole parse decides)
_PARAMS_SPAN = 1024
_GAP_SPAN = 256
_TRIES = 16
# how far past a name the first "{", "}" or ";" is looked for before the full test
_QUICK_SPAN = 4096
_WORD_BEFORE = re.compile(rb"\w+\Z")
_STATEMENT_WORDS = frozenset(b"return else case sizeof do goto typeof".split())
# the last line before a definition: the end of an item or a comment, or a preprocessor line
_ENDS_ITEM = re.compile(
    rb".*[;}][ \t\r]*|.*\*/[ \t\r]*|[ \t]*//.*|"
    rb"[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif|else|endif|define|undef|include|pragma)\b.*[^\\\s]"
    rb"[ \t\r]*|[ \t]*#[ \t]*(?:else|endif)[ \t\r]*")
_NEXT_LINE = re.compile(rb"(?:[ \t]*\r?\n)*([ \t}])")  # the next line that is not blank
_SPECIFIERS = re.compile(rb"[A-Za-z_][\w \t*]*\r?\n")  # a line of words: static inline
# strings, characters and comments (skipped), or a brace (counted)
_BODY_TOKENS = re.compile(
    rb'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*(?:.*?\*/|.*\Z)|[{}]', re.S)
_ATTRIBUTES_ONLY = re.compile(rb"(?:\s|\w|\([^;{}]*\))*")


def _after_params(data: bytes, open_at: int) -> int | None:
    """The offset just after the ``)`` that closes the parameter list at ``open_at``."""
    depth = 0
    for match in _PARAMS.finditer(data, open_at, open_at + _PARAMS_SPAN):
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
    and whether it stands anywhere a parser could read it as a function's name (if
    nowhere, no parse of the file finds a function of that name)."""
    needle = name.encode()
    named, tries = False, 0
    at = data.find(needle)
    while at >= 0 and tries < _TRIES:
        span, declared = _definition_at(data, at, len(needle))
        if span is not None:
            return span, True
        named |= declared
        tries += declared
        at = data.find(needle, at + 1)
    return None, named


def _definition_at(data: bytes, at: int, length: int) -> tuple[tuple[int, int] | None, bool]:
    """The span of the definition whose name is at ``at``, and whether a parser could
    read it as a function's name there: before ``(...) {``, or after a type word or ``*``
    with a ``{`` before the next ``;``."""
    if at and (data[at - 1:at].isalnum() or data[at - 1] == ord("_")):
        return None, False
    first = _BODY_OR_END.search(data, at + length, at + length + _QUICK_SPAN)
    if first is not None and first.group() != b"{":
        return None, False  # a call statement (most places a name stands): no body follows
    if _in_directive(data, at):
        return None, False
    paren = _OPEN.match(data, at + length)
    after = _after_params(data, paren.end() - 1) if paren is not None else None
    stop = _BODY_OR_END.search(data, after, after + _GAP_SPAN) if after is not None else None
    brace = stop.start() if stop is not None and stop.group() == b"{" else -1
    body_follows = brace >= 0 and _ATTRIBUTES_ONLY.fullmatch(data, after, brace) is not None
    if not body_follows:  # garbage a parser may still read as a header: "int x) {"
        ahead = _BODY_OR_END.search(data, at, at + _PARAMS_SPAN + _GAP_SPAN)
        return None, ahead is not None and ahead.group() == b"{" and \
            _declarator_position(data, at)
    line_start = data.rfind(b"\n", 0, at) + 1
    if _HEADER_PREFIX.fullmatch(data, line_start, at) is None:
        return None, True
    return _definition(data, line_start, brace), True


def _in_directive(data: bytes, at: int) -> bool:
    """Whether ``at`` is on a preprocessor line (``#define X f(y)``) or its continuation
    (a backslash-newline elsewhere only joins two lines of code)."""
    start = data.rfind(b"\n", 0, at) + 1
    while start and data[max(0, start - 3):start].rstrip(b"\r\n").endswith(b"\\"):
        start = data.rfind(b"\n", 0, start - 1) + 1
    return _DIRECTIVE.match(data, start, at + 1) is not None


def _declarator_position(data: bytes, at: int) -> bool:
    """Whether what stands before ``at`` could end a declaration's type (``int``,
    ``*``, ``__init``): a call in a body has ``;``, ``{``, ``(``, ``=``, ``return``..."""
    i = at - 1
    while i >= 0 and data[i] in b" \t\r\n":
        i -= 1
    if i < 0 or data[i] == ord("*"):
        return True
    word = _WORD_BEFORE.search(data, max(0, i - 63), i + 1)
    return word is not None and word.group() not in _STATEMENT_WORDS


def _after_an_item(data: bytes, line_start: int) -> bool:
    """Whether the last non-blank line above ``line_start`` ends an item (or there is none)."""
    end = line_start
    while end and data[end - 1] in b" \t\r\n":
        end -= 1
    if end == 0:
        return True
    start = data.rfind(b"\n", 0, end) + 1
    if data[max(0, start - 3):start].rstrip(b"\r\n").endswith(b"\\"):
        return True  # the last line of a multi-line #define
    return _ENDS_ITEM.fullmatch(data, start, end) is not None


def _definition(data: bytes, line_start: int, brace: int) -> tuple[int, int] | None:
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
    if not _after_an_item(data, line_start):
        return None  # what stands above may belong to this header
    newline = data.find(b"\n", end)
    after = len(data) if newline < 0 else newline + 1
    following = _NEXT_LINE.match(data, after)
    if following is not None and following.group(1) in b" \t}":
        return None  # an indented line or a lone "}" after it: the body may go on
    return line_start, after
