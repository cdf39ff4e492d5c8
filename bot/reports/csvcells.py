"""Cells for the CSV files the product writes, safe to open in a spreadsheet.

Residents' answers are free text. A cell starting with `=`, `+`, `-` or `@` is read by Excel,
LibreOffice and Google Sheets as a formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`), and a
leading tab or carriage return can hide one (as can spaces, for a program that trims them).
Following OWASP's advice, such a cell is written with a single quote in front: `'=SUM(A1)`.
A spreadsheet then shows it as text; a program reading the file gets the exact answer back by
removing that first quote (see `original`). Text that already starts with quotes before one of
those characters gets one more, so removing one is always exact.

Numbers are left alone: an `int` or `float`, or text that is exactly a plain decimal number
("-1", "-4.5"), is not a formula, and a spreadsheet reads it as the number it is. "-1+1" or
"-2 ideas" is text, and is quoted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_BLANKS = " \t\r\n\x0b\x0c"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def needs_quote(text: str) -> bool:
    """Would a spreadsheet (or `original`) read this text as more than its words?"""
    if _PLAIN_NUMBER.fullmatch(text):
        return False
    unquoted = text.lstrip(QUOTE)
    return unquoted.startswith(FORMULA_STARTS) or \
        unquoted.lstrip(_BLANKS).startswith(FORMULA_STARTS[:4])


def safe_cell(value: Any) -> Any:
    """The value as it should go into a CSV cell: quoted if a spreadsheet would run it."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    return QUOTE + text if needs_quote(text) else text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def original(cell: str) -> str:
    """What was meant, from a cell `safe_cell` wrote (for programs reading the file back)."""
    if cell.startswith(QUOTE) and needs_quote(cell[1:]):
        return cell[1:]
    return cell


class SafeWriter:
    """`csv.writer`, with every cell passed through `safe_cell`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(out: Any, **options: Any) -> SafeWriter:
    """Use it wherever the product writes a CSV for people to open in a spreadsheet."""
    return SafeWriter(out, **options)
