"""The export as an Excel workbook: "Answers" (the same rows and columns as the CSV export),
"Data dictionary" (what each column means, option codes and labels in every language) and
"About this export" (who is in it, and what was masked)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from bot.campaigns.model import Campaign
from bot.campaigns.versions import versions
from bot.reports.export import (
    ABOUT,
    DETAILS,
    FIXED,
    THEMES,
    _cell,
    answer_columns,
    details_cell,
    records,
    themes_cell,
)
from bot.reports.filtering import AnswerFilter
from bot.reports.step_titles import title, why_title
from bot.stages import ANSWERING, FINISHED

FIXED_MEANING = {
    "participant": "pseudonym of the resident (never a phone number or chat id)",
    "campaign_version": "the version of the campaign the resident answered",
    "channel": "how the resident took part (SMS, WhatsApp, Telegram, web chat)",
    "language": "the language the resident chose (en, cy, pl, ar, ro)",
    "status": f"{FINISHED.definition}; {ANSWERING.definition}",
    "started_at": "when the resident joined (UTC): texted the keyword, or was invited",
    "last_message_at": "when the resident last wrote (UTC)",
}
DETAILS_MEANING = ("personal details found in this resident's answers and masked there, by "
                   "column: phone number, email address, full postcode")


def _put(sheet: Worksheet, row: list[Any]) -> None:
    """Append a row; text is always text, so an answer such as '=1+1' never becomes a formula."""
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"


def _header(sheet: Worksheet, names: list[str]) -> None:
    _put(sheet, names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _value(answers: dict[str, Any], step_id: str) -> Any:
    value = answers.get(step_id)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _cell(answers, step_id)


def dictionary_rows(campaign: Campaign) -> list[list[Any]]:
    languages = list(campaign.languages)

    def texts(text: dict[str, str]) -> list[str]:
        return [text.get(language, "") for language in languages]

    blank = [""] * (len(languages) - 1)
    rows: list[list[Any]] = [[name, "", "column", "", meaning] + blank
                             for name, meaning in FIXED_MEANING.items()]
    for step in campaign.steps:
        if step.type == "info":
            continue
        rows.append([step.id, step.type, "title", "", title(step)] + blank)
        rows.append([step.id, step.type, "question", "", *texts(step.text)])
        if step.type in ("reflect", "revisit") and step.of:
            rows.append([step.id, step.type, "about step", step.of] + [""] * len(languages))
        for option in step.options:
            rows.append([step.id, step.type, "option", option.id, *texts(option.text)])
        if step.type == "scale":
            rows.append([step.id, step.type, "scale", f"{step.min} to {step.max}"]
                        + [""] * len(languages))
            for point, words in sorted(step.labels.items()):
                rows.append([step.id, step.type, "scale label", point, *texts(words)])
        if step.type == "rank":
            rows.append([step.id, step.type, "answer", "codes most important first, joined by >"]
                        + [""] * len(languages))
        if step.type == "reflect":
            rows.append([step.id, step.type, "answer", "yes or no"] + [""] * len(languages))
        if step.type == "choice" and step.why:
            rows.append([f"{step.id}.why", "text", "title", "", why_title(step)] + blank)
            rows.append([f"{step.id}.why", "text", "question", "", *texts(step.why)])
    rows.append([DETAILS, "", "column", "", DETAILS_MEANING] + blank)
    rows.append([THEMES, "", "column", "", "the theme of each open answer, by column (found "
                 "offline, named or changed by staff: `engage themes`)"] + blank)
    return rows


def to_xlsx(session: Session, slug: str, only: AnswerFilter | None = None) -> tuple[bytes, int]:
    """The workbook's bytes and how many participants it holds."""
    latest = versions(session, slug)[-1]
    campaign = Campaign.from_dict(latest.definition)
    steps = answer_columns(campaign)
    book = Workbook()
    answers = book.active
    answers.title = "Answers"
    _header(answers, FIXED + steps + [DETAILS, THEMES])
    count = 0
    for row in records(session, slug, only):
        _put(answers, [row[name] or "" for name in FIXED]
             + [_value(row["answers"], s) for s in steps] + [details_cell(row[DETAILS]),
                                                              themes_cell(row[THEMES])])
        count += 1
    dictionary = book.create_sheet("Data dictionary")
    _header(dictionary, ["column or step", "type", "what", "code"]
            + [f"text ({language})" for language in campaign.languages])
    for row in dictionary_rows(campaign):
        _put(dictionary, row)
    about = book.create_sheet("About this export")
    _header(about, ["About this export"])
    for line in ABOUT:
        _put(about, [line])
    if only is not None and only.active:
        _put(about, [f"Filtered: {only.words()}."])
    for sheet in (answers, dictionary, about):
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    out = BytesIO()
    book.save(out)
    return out.getvalue(), count
