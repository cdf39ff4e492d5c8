"""Importing residents who agreed to be contacted, from a CSV file, into the contact vault.

Numbers are checked and written one way (E.164, with the `phonenumbers` library); names are never
read into the database. Every imported contact keeps where the consent came from (a
ContactSource row) and joins a group to launch campaigns to. A resident who ever opted out stays
opted out: an import never makes them contactable again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from sqlalchemy.orm import Session, sessionmaker

from bot import audit, settings
from bot.errors import ImportProblem, NoSecret
from bot.language import LANGUAGES, SUPPORTED, requested_language
from bot.store.db import transaction
from bot.store.models import Contact, ContactGroupMember, ContactSource
from bot.store.vault import ContactVault

# What staff type -> the channel name the connectors use (and pseudonyms are keyed on).
CHANNELS = {"sms": "twilio_sms", "whatsapp": "twilio_whatsapp", "telegram": "telegram"}
ADDRESS_COLUMNS = ("phone", "number", "mobile")
TELEGRAM_COLUMNS = ("chat_id", "chat", "telegram", *ADDRESS_COLUMNS)
LANGUAGE_COLUMNS = ("language", "lang")
DEFAULT_REGION = "GB"
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_CHAT_ID = re.compile(r"-?\d{1,20}")
_NUMBER_LIKE = re.compile(r"\d{9,}")  # as long as a phone number or chat id (a date is 8)
# A cell a spreadsheet would run: "=...", or +, -, @ (or a tab or CR before them) followed by
# something other than a number's digits, spaces and brackets ("+44 7700..." and "-1001..."
# are values).
_FORMULA = re.compile(r"[\t\r ]*(=|[+\-@][\t ]*[^\d\s+\-().])")
# Ofcom keeps 07700 900000-900999 for TV, drama and testing; phonenumbers calls them invalid.
_OFCOM_DRAMA = re.compile(r"\+447700900\d{3}")
# Numbers that can never get a text: SMS and WhatsApp contacts with them are refused. A US or
# Canadian number is FIXED_LINE_OR_MOBILE (the plan does not say), and is kept.
_NOT_FOR_TEXTS = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "a landline number, which cannot get text messages",
    phonenumbers.PhoneNumberType.TOLL_FREE: "a freephone number, not a resident's phone",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "a premium-rate number, not a resident's phone",
    phonenumbers.PhoneNumberType.SHARED_COST: "a shared-cost service number, not a resident's "
                                              "phone",
    phonenumbers.PhoneNumberType.UAN: "an organisation's number, not a resident's phone",
    phonenumbers.PhoneNumberType.VOICEMAIL: "a voicemail number, not a resident's phone",
}
# A contacts file is a few columns of short values; these bound what one import reads, so a
# wrong or hostile file gets a plain error instead of filling memory.
MAX_FILE_BYTES = 10_000_000
MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_LINE_CHARS = 10_000
SHOWN_CHARS = 40  # a bad value is quoted in the summary up to this length
SAVE_AS_CSV = "Save it as 'CSV UTF-8' and try again."
_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "too short to be a phone number",
    phonenumbers.ValidationResult.TOO_LONG: "too long to be a phone number",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "the country code is not right",
    phonenumbers.ValidationResult.INVALID_LENGTH: "the wrong number of digits",
}


def default_region() -> str:
    return (settings.value("ENGAGE_DEFAULT_REGION") or DEFAULT_REGION).upper()


def check_region(region: str) -> str:
    region = region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ImportProblem(f"'{region}' is not a country code phonenumbers knows "
                            "(use two letters, e.g. GB, IE, PL).")
    return region


def normalise_phone(raw: str, region: str) -> tuple[str | None, str | None]:
    """(E.164 number, None) or (None, the reason it is not a phone number)."""
    text = raw.strip()
    if not text:
        return None, "no number"
    if _LETTERS.search(text):
        return None, "has letters in it"
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None, "not a phone number"
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number) or _OFCOM_DRAMA.fullmatch(e164):
        return e164, None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (phonenumbers.ValidationResult.IS_POSSIBLE,
                  phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        # Possible as some local number, but is it long enough to reach a phone?
        reason = phonenumbers.is_possible_number_for_type_with_reason(
            number, phonenumbers.PhoneNumberType.MOBILE)
    return None, _REASONS.get(reason, "not a real phone number")


def texting_problem(e164: str) -> str | None:
    """Why a valid number cannot be an SMS or WhatsApp contact (a landline...), or None."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return _NOT_FOR_TEXTS.get(kind)


def normalise_chat_id(raw: str) -> tuple[str | None, str | None]:
    text = raw.strip()
    if not text:
        return None, "no chat id"
    if not _CHAT_ID.fullmatch(text) or int(text) == 0:
        return None, "a Telegram chat id is a number, like 123456789"
    return str(int(text)), None


def read_language(raw: str) -> str | None:
    """The language code a sheet gives ("cy", "CY", "en-GB", "Welsh", "Cymraeg"), or None."""
    text = raw.strip()
    code = re.split(r"[-_]", text.lower(), maxsplit=1)[0]
    if code in LANGUAGES:
        return code
    return requested_language(text) if text else None


@dataclass
class Invalid:
    line: int
    value: str
    reason: str


@dataclass
class Row:
    """One valid row: its line, the address as the channel writes it, and its language."""

    line: int
    address: str
    language: str | None = None


@dataclass
class ImportReport:
    source: str
    group: str
    channel: str
    rows: int = 0
    imported: int = 0
    merged: int = 0
    kept_opted_out: int = 0
    invalid: list[Invalid] = field(default_factory=list)
    unknown_language: list[Invalid] = field(default_factory=list)  # imported, without language
    languages: dict[str, int] = field(default_factory=dict)  # contacts with each language
    no_language: int = 0  # contacts of this import who still have no language

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "imported": self.imported, "merged": self.merged,
                "kept_opted_out": self.kept_opted_out, "invalid": len(self.invalid),
                "unknown_language": len(self.unknown_language),
                "no_language": self.no_language}

    def summary(self) -> str:
        lines = [f"Read {self.rows} row(s) from the file.",
                 f"  imported (new):    {self.imported}",
                 f"  merged:            {self.merged}  (already known, or listed twice)",
                 f"  kept opted out:    {self.kept_opted_out}  (they said STOP; not added)",
                 f"  invalid:           {len(self.invalid)}  (not imported)"]
        for bad in self.invalid:
            lines.append(f"    line {bad.line}: {_shown(bad.value)!r}: {bad.reason}")
        spoken = [f"{code} {count}" for code, count in sorted(self.languages.items())]
        if self.no_language:
            spoken.append(f"no language {self.no_language} (they choose one when they first "
                          "reply)")
        if spoken:
            lines.append("Languages: " + ", ".join(spoken))
        if self.unknown_language:
            lines.append(f"  unknown language:  {len(self.unknown_language)}  (imported "
                         "without a language; they choose one when they first reply)")
            for odd in self.unknown_language:
                lines.append(f"    line {odd.line}: {_shown(odd.value)!r}: {odd.reason}")
        lines.append(f"Group: {self.group}.  Source: {self.source}")
        return "\n".join(lines)


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "..."


def read_text(path: Path) -> str:
    """The file as text, or an ImportProblem that says which line is wrong and how to fix it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ImportProblem(f"no such file: {path}") from None
    except OSError as error:
        raise ImportProblem(f"cannot read {path}: {error.strerror or error}.") from None
    return read_bytes(data, str(path))


def read_bytes(data: bytes, name: str) -> str:
    """A file's bytes (read from disk, or uploaded to the console) as text; `name` says which
    file in the ImportProblem, which says which line is wrong and how to fix it."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportProblem(f"{name} is larger than {MAX_FILE_BYTES // 1_000_000} MB. Split it "
                            f"into files of up to {MAX_ROWS:,} rows and import each.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportProblem(f"{name} is saved as UTF-16 ('Unicode text'), not as a CSV file. "
                            + SAVE_AS_CSV)
    if b"\x00" in data:  # before decoding: a binary file is not "in another encoding"
        line = data.count(b"\n", 0, data.index(0)) + 1
        raise ImportProblem(f"line {line} of {name} has a "
                            "NUL character in it, so this is not a plain CSV file (it may be a "
                            f"spreadsheet file, or damaged). {SAVE_AS_CSV}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportProblem(f"line {line} of {name} is not UTF-8 text (the file was probably "
                            f"saved in another encoding). {SAVE_AS_CSV}") from None
    return text.replace("\ufeff", "")  # a byte-order mark inside, e.g. from joining two files


def upload_name(filename: str | None) -> str:
    """An uploaded file's name as the messages and the audit log give it: the last part of
    what the browser sent, without control characters, at most SHOWN_CHARS long."""
    last = re.split(r"[\\/]", filename or "")[-1]
    cleaned = "".join(ch for ch in last if ch.isprintable()).strip()
    # A name could be someone's number ("07700900123.csv"): long digit runs are hidden.
    cleaned = _NUMBER_LIKE.sub(lambda run: "•" * len(run.group()), cleaned)
    return _shown(cleaned) if cleaned else "the file"


def _lines(text: str, path: Path | str) -> Iterator[str]:
    """The file's lines as csv wants them, refusing one too long to be a row of contacts."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ImportProblem(f"line {number} of {path} is {len(line):,} characters long; a "
                                f"row of contacts is far shorter (at most {MAX_LINE_CHARS:,}). "
                                "Is this the right file?")
        yield line


def csv_rows(text: str, path: Path | str) -> Iterator[tuple[int, list[str]]]:
    """(line, values) for every row, header first; csv's own errors become ImportProblems.
    With `read_text`, for any staff CSV (a launch audience file could use both)."""
    reader = csv.reader(_lines(text, path))
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reason = ("a value runs on for more than 128 KB (is there a \" with no closing "
                      "\"?)" if "field limit" in str(error) else f"it is not CSV ({error})")
            raise ImportProblem(f"the row starting at line {start} of {path} cannot be read: "
                                f"{reason}.") from None
        if len(values) > MAX_COLUMNS:
            raise ImportProblem(f"line {start} of {path} has {len(values):,} columns; a "
                                f"contacts file needs a few (phone, name, language), at most "
                                f"{MAX_COLUMNS}. Is this the right file?")
        if start > MAX_ROWS + 1:
            raise ImportProblem(f"{path} has more than {MAX_ROWS:,} rows. Split it into smaller "
                                "files and import each.")
        yield start, values


def read_rows(path: Path, channel: str, region: str) -> tuple[list[Row], list[Invalid], list[Invalid]]:
    """The file's addresses, normalised, with their line numbers and languages; the rows that
    are not addresses; and the rows whose language is not one the bot speaks."""
    return text_rows(read_text(path), str(path), channel, region)


def formula_problem(line: int, values: list[str], name: str) -> None:
    """Refuse a row with a cell a spreadsheet would run as a formula (=..., @SUM(...), +A1):
    such a file was not exported as plain values, and may have been made to do harm."""
    for value in values:
        if _FORMULA.match(value):
            raise ImportProblem(f"line {line} of {name} has a cell that starts like a "
                                "spreadsheet formula (=, or @, + or - before letters). A "
                                "contacts file holds plain values only: remove the formula, "
                                f"or copy and paste the values only. {SAVE_AS_CSV}")


def text_rows(text: str, label: str, channel: str,
              region: str) -> tuple[list[Row], list[Invalid], list[Invalid]]:
    """`read_rows` for a file's text; `label` says which file in the messages."""
    records = csv_rows(text, label)
    first, header = next(records, (1, []))
    if not header:
        raise ImportProblem(f"{label} is empty; it needs a header row, e.g. 'name,phone'.")
    formula_problem(first, header, label)
    names = [name.strip().lower() for name in header]
    wanted = TELEGRAM_COLUMNS if channel == "telegram" else ADDRESS_COLUMNS
    column = next((names.index(name) for name in wanted if name in names), None)
    if column is None:
        shown = ", ".join(_shown(name) for name in header[:10]) + (", ..." if len(header) > 10
                                                                   else "")
        raise ImportProblem(f"{label} has no column called {' or '.join(wanted)} "
                            f"(its header is: {shown}).")
    language_column = next((names.index(name) for name in LANGUAGE_COLUMNS if name in names),
                           None)
    valid: list[Row] = []
    invalid: list[Invalid] = []
    unknown: list[Invalid] = []
    for line, values in records:
        if not any(value.strip() for value in values):
            continue  # blank lines are not mistakes
        formula_problem(line, values, label)
        raw = values[column] if column < len(values) else ""
        if channel == "telegram":
            address, reason = normalise_chat_id(raw)
        else:
            address, reason = normalise_phone(raw, region)
            if address is not None:
                reason = texting_problem(address)
                address = None if reason else address
        if address is None:
            invalid.append(Invalid(line, raw.strip(), reason or "invalid"))
            continue
        spoken = (values[language_column].strip()
                  if language_column is not None and language_column < len(values) else "")
        language = read_language(spoken)
        if spoken and language is None:
            unknown.append(Invalid(line, spoken, "not a language the bot speaks "
                                                 f"({', '.join(SUPPORTED)})"))
        valid.append(Row(line, address, language))
    return valid, invalid, unknown



NEEDS_SECRET = ("importing contacts needs the secret key: set ENGAGE_SECRET_KEY (or run "
                "`engage run` once to create a local one).")


def import_file(sessions: sessionmaker, secret: str | None, path: str | Path, channel: str,
                source: str, *, group: str | None = None, region: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """`engage contacts import`: the whole file in one transaction, all or nothing. Raises
    NoSecret or ImportProblem (its message ends "Nothing was imported.") before storing
    anything."""
    if not secret:
        raise NoSecret(NEEDS_SECRET)
    path = Path(path)
    if not path.is_file():
        raise ImportProblem(f"no such file: {path}")
    try:
        with transaction(sessions) as session:
            return import_contacts(session, secret, path, channel, source, group=group,
                                   region=region or default_region(), progress=progress)
    except ImportProblem as problem:
        raise ImportProblem(f"{problem} Nothing was imported.") from problem


def import_upload(sessions: sessionmaker, secret: str | None, data: bytes, filename: str | None,
                  channel: str, source: str, *, by: str, group: str | None = None,
                  region: str | None = None) -> ImportReport:
    """An uploaded file's bytes (the console's Contacts page), as `import_file` imports a
    file: the same checks, at most MAX_FILE_BYTES, one transaction, all or nothing, audited
    with `by` (the staff member). Nothing is written to disk. Raises NoSecret or
    ImportProblem (ending "Nothing was imported.") before storing anything."""
    if not secret:
        raise NoSecret(NEEDS_SECRET)
    name = upload_name(filename)
    try:
        if not data.strip():
            raise ImportProblem(f"{name} is empty; it needs a header row, e.g. 'name,phone'.")
        text = read_bytes(data, name)  # refused before anything else when too large
        with transaction(sessions) as session:
            return import_contacts(session, secret, Path(name), channel, source, group=group,
                                   region=region or default_region(), by=by, text=text)
    except ImportProblem as problem:
        raise ImportProblem(f"{problem} Nothing was imported.") from problem


def import_contacts(session: Session, secret: str, path: Path, channel: str, source: str,
                    group: str | None = None, region: str | None = None,
                    progress: Callable[[int, int], None] | None = None, *,
                    by: str | None = None, text: str | None = None) -> ImportReport:
    """Import in the caller's transaction; raise ImportProblem before storing anything.
    `text`: the file's text when it was not read from `path` (an upload, named `path`);
    `by`: who imports (default: audit.actor())."""
    if channel not in CHANNELS:
        raise ImportProblem(f"unknown channel '{channel}'; use one of {', '.join(CHANNELS)}.")
    if not source.strip():
        raise ImportProblem("--source must say where the consent came from, e.g. "
                            "\"Library drop-in sign-up sheet, Nov 2026\".")
    region = check_region(region or default_region())
    group = (group or path.stem).strip()
    if not group or len(group) > 128:
        raise ImportProblem("the group name must be 1 to 128 characters; give one with --group.")
    valid, invalid, unknown = (read_rows(path, channel, region) if text is None
                               else text_rows(text, path.name, channel, region))
    channel_name = CHANNELS[channel]
    report = ImportReport(source=source.strip(), group=group, channel=channel,
                          rows=len(valid) + len(invalid), invalid=invalid,
                          unknown_language=unknown)
    vault, importer = ContactVault(session, secret), by or audit.actor()
    seen: set[str] = set()
    languages: dict[str, str] = {}
    for done, row in enumerate(valid, start=1):
        if progress is not None:
            progress(done, len(valid))
        stored = f"whatsapp:{row.address}" if channel_name == "twilio_whatsapp" else row.address
        name = vault.pseudonym_for(channel_name, stored)
        if name in seen:
            report.merged += 1
            if row.language and name in languages:  # the sheet's last word on it
                _set_language(session, name, row.language, languages)
            continue
        seen.add(name)
        existing = session.query(Contact).filter_by(pseudonym=name).one_or_none()
        if existing is not None and existing.opted_out_at is not None:
            report.kept_opted_out += 1
            continue
        if existing is None:
            vault.remember(channel_name, stored)
            report.imported += 1
        else:
            report.merged += 1
        languages[name] = (existing.language if existing is not None else None) or ""
        if row.language:
            _set_language(session, name, row.language, languages)
        session.add(ContactSource(pseudonym=name, source=report.source, imported_by=importer))
        member = session.query(ContactGroupMember.id).filter_by(
            group_name=group, pseudonym=name).first()
        if member is None:
            session.add(ContactGroupMember(group_name=group, pseudonym=name))
    for code in languages.values():
        if code:
            report.languages[code] = report.languages.get(code, 0) + 1
        else:
            report.no_language += 1
    audit.record(session, "import", report.source,
                 {**report.counts(), "group": group, "channel": channel, "file": path.name,
                  "invalid_lines": [bad.line for bad in invalid],
                  "unknown_language_lines": [odd.line for odd in unknown]}, who=importer)
    session.flush()
    return report


def _set_language(session: Session, name: str, language: str, languages: dict[str, str]) -> None:
    """Keep the language the sheet gives for a contact (a later row or import replaces it)."""
    session.query(Contact).filter_by(pseudonym=name).update({"language": language},
                                                            synchronize_session=False)
    languages[name] = language
