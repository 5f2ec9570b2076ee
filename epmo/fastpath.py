"""The typed fast path of staging: a column whose every cell is in its type's plain form is
typed here, vectorised on the Arrow buffers, and skips the lenient macros.

Staging (epmo/validate.py) parses every cell with the lenient macros of queries/macros/
(currency signs, thousands separators, decimal commas, five date formats, yes/no
spellings) and tests each cell against every cell rule (`_suspect`). Most uploads are
clean exports: every number is plain digits, every date ISO, every boolean true/false.
For such a column `typed_column` gives the typed values directly, and proves at the same
time that some rules cannot fail in it (an ISO date is never ambiguous, a column of plain
ASCII text never holds an invisible character or starts like a formula), so its terms
drop out of `_suspect`. A column with a single cell in any other form falls back to the
lenient macros, column by column (the other columns keep the fast path).

The rule for each type (the accepted form is one the lenient macro reads to the same
value; anything else, including blanks of spaces, falls back):

    number, integer  digits with an optional sign and one '.', e.g. 12, -3.5, .5, +4
                     (no '.' at all in a decimal-comma file); '' is blank
    date             YYYY-MM-DD, a real date, year 1000 to 9999; '' is blank
    boolean          exactly 'true' or 'false'; '' is blank
    text, email      ASCII only, no space or control character at either end, not
                     starting with = + - @ (so no trim, no formula, no invisible character)
    enum             exactly one of the contract's spellings (Red, Execution...); '' is blank

The typed values equal the macros' for every accepted cell; tests/unit/test_fastpath.py
compares both, value by value, and the reports of whole uploads with and without the
fast path.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from epmo import contract
from epmo.readers import string_buffers

TYPED = (contract.NUMBER, contract.INTEGER, contract.DATE, contract.BOOLEAN)

_DIGITS = np.zeros(256, dtype=bool)
_DIGITS[ord("0") : ord("9") + 1] = True
_NUMBER_BYTES = _DIGITS.copy()
_NUMBER_BYTES[[ord("."), ord("-"), ord("+")]] = True
_NUMBER_BYTES_DEC_COMMA = _DIGITS.copy()
_NUMBER_BYTES_DEC_COMMA[[ord("-"), ord("+")]] = True
# bytes a text cell may not start with: spaces and controls (trimmed) and = + - @ (formulas)
_BAD_FIRST = np.zeros(256, dtype=bool)
_BAD_FIRST[:33] = True
_BAD_FIRST[[ord("="), ord("+"), ord("-"), ord("@"), 127]] = True
_BAD_LAST = np.zeros(256, dtype=bool)
_BAD_LAST[:33] = True
_BAD_LAST[127] = True


def arrow_type(c: contract.Column) -> pa.DataType:
    """The Arrow type of a typed column's values (DuckDB's DOUBLE, DATE, BOOLEAN)."""
    if c.type == contract.DATE:
        return pa.date32()
    if c.type == contract.BOOLEAN:
        return pa.bool_()
    return pa.float64()


def _parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, start offsets, lengths) of a string array, without copying; nulls are length 0."""
    return string_buffers(pc.fill_null(arr, "") if arr.null_count else arr)


def _only(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, allowed: np.ndarray) -> bool:
    """Whether every character byte of the array is one of `allowed`."""
    if len(starts) == 0:
        return True
    lo, hi = int(starts[0]), int(starts[-1] + lengths[-1])
    return hi <= lo or bool(allowed[data[lo:hi]].all())


def _blank_to_null(arr: pa.Array, lengths: np.ndarray) -> pa.Array:
    blank = lengths == 0
    if not blank.any():
        return arr
    return pc.if_else(pa.array(blank), pa.scalar(None, arr.type), arr)


def _number(arr: pa.Array, dec_comma: bool) -> pa.Array | None:
    data, starts, lengths = _parts(arr)
    if not _only(data, starts, lengths, _NUMBER_BYTES_DEC_COMMA if dec_comma else _NUMBER_BYTES):
        return None
    try:
        out = pc.cast(_blank_to_null(arr, lengths), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # '-', '1.2.3', '+-1': the lenient macro says why
    if out.null_count < len(out) and not pc.all(pc.is_finite(out)).as_py():
        return None  # more digits than a double holds: the macro decides
    return out


def _date(arr: pa.Array) -> pa.Array | None:
    data, starts, lengths = _parts(arr)
    filled = lengths != 0
    if not ((lengths == 10) | ~filled).all():
        return None
    first = starts[filled]
    if len(first):
        lo = int(first[0])
        if filled.all() and int(starts[-1]) + 10 - lo == 10 * len(first):  # no blanks: one block
            cells = data[lo : lo + 10 * len(first)].reshape(-1, 10)
            at = [cells[:, k] for k in range(10)]
        else:
            at = [data[first + k] for k in range(10)]
        digits = all(_DIGITS[at[k]].all() for k in (0, 1, 2, 3, 5, 6, 8, 9))
        dashes = all((at[k] == ord("-")).all() for k in (4, 7))
        if not (digits and dashes and (at[0] != ord("0")).all()):
            return None
    try:
        return pc.cast(_blank_to_null(arr, lengths), pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # 2026-02-30: not a date, the macro's NULL and the check's message


def _boolean(arr: pa.Array) -> pa.Array | None:
    arr = pc.fill_null(arr, "") if arr.null_count else arr
    if not pc.all(pc.is_in(arr, pa.array(["true", "false", ""]))).as_py():
        return None
    blank = pc.equal(arr, "")
    return pc.if_else(blank, pa.scalar(None, pa.bool_()), pc.equal(arr, "true"))


def _text(arr: pa.Array) -> bool:
    data, starts, lengths = _parts(arr)
    filled = lengths != 0
    if not filled.any():
        return True
    lo, hi = int(starts[0]), int(starts[-1] + lengths[-1])
    if hi > lo and data[lo:hi].max() >= 0x80:
        return False  # non-ASCII: may hold an invisible character or a Unicode space
    first, last = starts[filled], (starts + lengths - 1)[filled]
    return not (_BAD_FIRST[data[first]].any() or _BAD_LAST[data[last]].any())


def _canonical(t: contract.Table, c: contract.Column) -> list[str]:
    """The enum spellings the lenient lookup maps to themselves."""
    lookup = contract.enum_lookup(c)
    return [v for v in c.allowed if lookup.get(contract.normalise_value_key(v)) == v]


def _enum(t: contract.Table, c: contract.Column, arr: pa.Array) -> bool:
    arr = pc.fill_null(arr, "") if arr.null_count else arr
    return bool(pc.all(pc.is_in(arr, pa.array([*_canonical(t, c), ""]))).as_py())


def typed_column(
    t: contract.Table, c: contract.Column, pieces: list[tuple[pa.ChunkedArray | pa.Array, bool]]
) -> pa.Array | bool | None:
    """The fast path for one staged column, given its pieces (one per sheet, with the
    sheet's decimal-comma flag), in order.

    Number, integer, date and boolean columns: the typed Arrow array (blank -> null), or
    None to fall back. Text, email and enum columns: True when every cell is in the plain
    form (typed in SQL as the text itself, blank -> NULL), else None.
    """
    if not pieces:
        return None
    if c.type in TYPED:
        out = []
        for arr, dec_comma in pieces:
            for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
                if c.type in (contract.NUMBER, contract.INTEGER):
                    typed = _number(chunk, dec_comma)
                elif c.type == contract.DATE:
                    typed = _date(chunk)
                else:
                    typed = _boolean(chunk)
                if typed is None:
                    return None
                out.append(typed)
        return pa.chunked_array(out, out[0].type).combine_chunks() if out else None
    for arr, _dec_comma in pieces:
        for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
            ok = _enum(t, c, chunk) if c.type == contract.ENUM else _text(chunk)
            if not ok:
                return None
    return True
