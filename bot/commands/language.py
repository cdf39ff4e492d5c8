"""`engage language check CODE` and `engage language list`: what each language folder still
lacks, for staff and volunteers adding or reviewing one (docs/languages.md)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands._base import EXIT_ERROR, EXIT_OK, command


def cmd_language_check(args: argparse.Namespace) -> int:
    from bot.language import LANGUAGES
    from bot.language_check import check_language, complete

    findings = check_language(args.code)
    name = LANGUAGES[args.code].english_name if args.code in LANGUAGES else args.code
    for finding in findings:
        print(finding)
    if complete(findings):
        print(f"{name} ({args.code}) has everything the bot needs.")
        return EXIT_OK
    count = sum(finding.level != "note" for finding in findings)
    print(f"{name} ({args.code}): {count} item{'s' if count != 1 else ''} to add or translate.")
    return EXIT_ERROR


def cmd_language_list(args: argparse.Namespace) -> int:
    from bot.language import LANGUAGES
    from bot.language_check import check_language, complete

    for code, language in LANGUAGES.items():
        state = "complete" if complete(check_language(code)) else "incomplete"
        reviewed = "reviewed" if language.reviewed else "NOT reviewed by a native speaker"
        print(f"{code:<4} {language.english_name} ({language.endonym}), {language.script}, "
              f"{language.direction}: {state}, {reviewed}")
    return EXIT_OK


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("language", help="Check the languages the bot speaks.")
    commands = group.add_subparsers(dest="language_command", required=True)
    check = command(commands, "check", cmd_language_check,
                     "List what a language folder (languages/CODE/) still lacks: phrases,\n"
                     "command words, numbers, names, NLU examples. Exit status 1 if anything\n"
                     "is missing or untranslated.", "engage language check ur")
    check.add_argument("code", help="the language's code, its folder's name, e.g. ur")
    command(commands, "list", cmd_language_list,
             "Every language the bot speaks, whether it is complete and reviewed.",
             "engage language list")
