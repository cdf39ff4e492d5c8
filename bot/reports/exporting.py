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
from bot.reports.filtering import AnswerFilter
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


def _data(session, slug: str, export_format: str,
          only: AnswerFilter | None) -> tuple[str | bytes, int]:
    if export_format == "xlsx":
        return to_xlsx(session, slug, only)
    data = (to_jsonl if export_format == "jsonl" else to_csv)(session, slug, only)
    return data, count_rows(data, export_format)


def export_answers(sessions: sessionmaker, slug: str, export_format: str = "jsonl",
                   output: str | Path | None = None, by: str | None = None,
                   only: AnswerFilter | None = None) -> Export:
    """Export `slug`'s consented answers (pseudonyms only) of the residents `only` admits
    (default: every one). Raises UnknownCampaign, BadRequest (format) or CannotWrite,
    recording nothing."""
    if export_format not in FORMATS:
        raise BadRequest(f"--format '{export_format}' is not one of {', '.join(FORMATS)}.")
    path = destination(output, export_format, slug)
    with transaction(sessions) as session:
        data, rows = _data(session, slug, export_format, only)
        if path is not None:
            write_file(path, data)
        audit.record(session, "export", slug,
                     {"format": export_format,
                      "to": str(path) if path is not None else (output or "stdout"),
                      **(only.audit() if only else {})}, who=by)
    return Export(export_format, rows, path, None if path is not None else data)


@dataclass(frozen=True)
class Download:
    """An export for a browser to save: its file name, media type and bytes."""

    filename: str
    media_type: str
    data: bytes
    rows: int


MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def download(sessions: sessionmaker, slug: str, export_format: str, by: str,
             only: AnswerFilter | None = None) -> Download:
    """The console's download of `slug`'s answers, recorded in the audit log with `by`, in
    the same transaction. Raises UnknownCampaign or BadRequest (format)."""
    if export_format not in FORMATS:
        raise BadRequest(f"'{export_format[:20]}' is not one of {', '.join(FORMATS)}.")
    with transaction(sessions) as session:
        data, rows = _data(session, slug, export_format, only)
        audit.record(session, "export", slug,
                     {"format": export_format, "to": "console download",
                      **(only.audit() if only else {})}, who=by)
    name = slug + "".join(f"-{key}-{value}" for key, value in (only.query() if only else {}
                                                              ).items())
    body = data if isinstance(data, bytes) else data.encode("utf-8")
    return Download(f"{name}.{export_format}", MEDIA_TYPES[export_format], body, rows)
