"""The export service behind `engage export` and the console: a campaign's answers as JSONL,
CSV or an Excel workbook, to a file or (text formats) the screen, recorded in the audit log.

The file is written inside the transaction that records the export, before the entry: a file
that cannot be written raises CannotWrite and leaves no audit entry behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot import audit
from bot.errors import BadRequest, CannotWrite
from bot.reports.export import count_rows, to_csv, to_jsonl
from bot.reports.export_xlsx import to_xlsx
from bot.store.db import transaction

FORMATS = ("jsonl", "csv", "xlsx")


@dataclass(frozen=True)
class Export:
    format: str
    rows: int  # residents exported
    path: Path | None  # the file written; None: `text` is for the screen
    text: str | None = None


def destination(output: str | Path | None, export_format: str, slug: str) -> Path | None:
    """The file to write (None: the screen), or CannotWrite saying why it cannot be."""
    if output in (None, "-"):
        if export_format == "xlsx":
            raise CannotWrite("an Excel file cannot go to the screen: name a file with -o, "
                              f"e.g. -o {slug}.xlsx")
        return None
    path = Path(output)
    if path.is_dir() or not path.parent.is_dir():
        raise CannotWrite(f"cannot write {path}: choose a file in an existing folder.")
    return path


def write_file(path: Path, data: str | bytes) -> None:
    """Write `data` to `path`, or CannotWrite with the system's reason."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as error:
        raise CannotWrite(f"cannot write {path} ({error.strerror or error}).") from error


def export_answers(sessions: sessionmaker, slug: str, export_format: str = "jsonl",
                   output: str | Path | None = None, by: str | None = None) -> Export:
    """Export `slug`'s consented answers (pseudonyms only). Raises UnknownCampaign,
    BadRequest (format) or CannotWrite, recording nothing."""
    if export_format not in FORMATS:
        raise BadRequest(f"--format '{export_format}' is not one of {', '.join(FORMATS)}.")
    path = destination(output, export_format, slug)
    with transaction(sessions) as session:
        if export_format == "xlsx":
            data, rows = to_xlsx(session, slug)
        else:
            data = (to_jsonl if export_format == "jsonl" else to_csv)(session, slug)
            rows = count_rows(data, export_format)
        if path is not None:
            write_file(path, data)
        audit.record(session, "export", slug,
                     {"format": export_format,
                      "to": str(path) if path is not None else (output or "stdout")}, who=by)
    return Export(export_format, rows, path, None if path is not None else data)
