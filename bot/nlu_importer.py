"""Rasa reads each language's NLU examples from its folder (`languages/<code>/nlu.yml`).

config.yml names this importer, so `rasa train` and `rasa data validate` (with or without
`--data data`) find the examples where the rest of the language lives: adding a language is
adding its folder. Only the project's own training data gets them: `rasa test nlu --nlu FILE`
does not use config.yml's importers, and a `--data` that is not the project's `data/` folder
is left as given.
"""

from __future__ import annotations

from pathlib import Path

from rasa.shared.importers.rasa import RasaFileImporter

from bot.language_data import LANGUAGES_DIR, language_folders

DATA_DIR = LANGUAGES_DIR.parent / "data"


def language_nlu_files(root: Path = LANGUAGES_DIR) -> list[str]:
    """Every language folder's nlu.yml, in a stable order."""
    return [str(folder / "nlu.yml") for folder in language_folders(root)
            if (folder / "nlu.yml").is_file()]


def _is_project_data(paths: list[str]) -> bool:
    return any(Path(path).resolve() == DATA_DIR for path in paths)


class LanguagesImporter(RasaFileImporter):
    """Rasa's file importer, with the languages' NLU files added to the project's data."""

    def __init__(self, config_file: str | None = None, domain_path: str | None = None,
                 training_data_paths: list[str] | str | None = None) -> None:
        paths = [training_data_paths] if isinstance(training_data_paths, str) else \
            list(training_data_paths or [str(DATA_DIR)])
        if _is_project_data(paths):
            paths += language_nlu_files()
        super().__init__(config_file, domain_path, paths)
