"""Input rules written as regular expressions that mean the same in Python `re` and in JSON Schema.

The OpenAPI document states these patterns and the server applies the very same strings (with
`fullmatch`), so what the document calls valid is exactly what the server accepts. Hence explicit
character classes: `\\s`, `\\d` and `.` differ between Python and ECMA-262, `\\x..`/`\\u....`
escapes and plain classes do not.
"""

from __future__ import annotations

import functools
import re
from datetime import date

# Every character for which str.isspace() is true: what str.strip() removes.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# "Not blank": at least one character that strip() keeps (use with `search` semantics).
NOT_BLANK = rf"[^{SPACE}]"

# Characters no id may contain: C0/C1 controls and DEL, non-ASCII spaces, line and paragraph
# separators, and the invisible format characters (soft hyphen, zero-width and bidi controls, BOM)
# that would make two ids look alike.
_ID_FORBIDDEN = (
    r"\x00-\x1f\x7f-\xa0\xad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff\ufff9-\ufffb"
)
MAX_ID = 128
# 1-128 characters, none forbidden, no space at either end (ids are matched exactly, never trimmed).
ID_PATTERN = rf"^[^{_ID_FORBIDDEN} ](?:[^{_ID_FORBIDDEN}]{{0,{MAX_ID - 2}}}[^{_ID_FORBIDDEN} ])?$"
ID_RULE = f"1-{MAX_ID} characters: no control characters, invisible format characters or surrounding spaces"
_ID = re.compile(ID_PATTERN)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    # JSON Schema's `$` is the end of the string; Python's also matches before a final newline.
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern)


def matches(pattern: str, value: str) -> bool:
    """`value` satisfies the JSON Schema `pattern` (search semantics, as the document means it)."""
    return _compiled(pattern).search(value) is not None


def valid_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None


def not_blank(value: str) -> bool:
    return bool(value.strip())


def int_range(lo: int, hi: int) -> str:
    """A non-capturing group matching the decimal numbers lo..hi (0 <= lo <= hi), no leading zeros."""
    if not 0 <= lo <= hi:
        raise ValueError("int_range needs 0 <= lo <= hi")
    parts = []
    for width in range(len(str(lo)), len(str(hi)) + 1):
        first, last = max(lo, 10 ** (width - 1) if width > 1 else 0), min(hi, 10**width - 1)
        parts.append(_digits(str(first), str(last)))
    return "(?:" + "|".join(parts) + ")"


def _digits(lo: str, hi: str) -> str:
    """Digit strings of one width from lo to hi (lo <= hi), as a regex."""
    if lo == hi:
        return lo
    if len(lo) == 1:
        return f"[{lo}-{hi}]"
    rest = len(lo) - 1
    any_rest = "[0-9]" + (f"{{{rest}}}" if rest > 1 else "")
    if lo[0] == hi[0]:
        return f"{lo[0]}(?:{_digits(lo[1:], hi[1:])})"
    parts = []
    a, b = int(lo[0]), int(hi[0])
    if lo[1:] != "0" * rest:  # a partial first block: lo's first digit, then lo's tail up to 9..9
        parts.append(f"{a}(?:{_digits(lo[1:], '9' * rest)})")
        a += 1
    tail = None
    if hi[1:] != "9" * rest:  # a partial last block
        tail = f"{b}(?:{_digits('0' * rest, hi[1:])})"
        b -= 1
    if a <= b:
        parts.append((str(a) if a == b else f"[{a}-{b}]") + any_rest)
    if tail:
        parts.append(tail)
    return "|".join(parts)


def dates_not_after(day: date) -> str:
    """A pattern for YYYY-MM-DD strings that are not later than `day` (calendar validity aside)."""
    bound = day.isoformat()
    alternatives = [bound]  # digits and "-" only: no escaping (re.escape's "\\-" is an error in ECMA-262 u-mode)
    for i, ch in enumerate(bound):
        if ch == "-" or ch == "0":
            continue
        rest = "".join("-" if c == "-" else "[0-9]" for c in bound[i + 1:])
        smaller = "0" if ch == "1" else f"[0-{int(ch) - 1}]"
        alternatives.append(bound[:i] + smaller + rest)
    return "^(?:" + "|".join(alternatives) + ")$"
