"""The competency library: competencies with requirement phrases, indicators and questions in English and
Chinese, plus the experience terms that personalisation looks for in a redacted resume.

Owns reading and merging the library files: the built-in ``data/*.yaml``, then files offered by plugins
(``candor_register_competency_libraries``), then the organisation's folders (``competency_dirs``). A later
file
extends a competency by id (phrases, indicators and questions are added) or replaces it (``replace: true``).
Every file names its ``library`` and ``version``; the combined version is recorded with each generated
question.
It reads files only; matching text against the library is the generators' work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

LANGUAGES = ("en", "zh")
BUILTIN_DIR = Path(__file__).parent / "data"

PerLanguage = dict[str, list[str]]


class LibraryError(ValueError):
    """A library file cannot be used; the message names the file, the place in it and what to fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _CompetencyFile(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,60}$")
    name: dict[str, str] = Field(default_factory=dict)
    phrases: PerLanguage = Field(default_factory=dict)
    indicators: PerLanguage = Field(default_factory=dict)
    questions: PerLanguage = Field(default_factory=dict)
    exclude: PerLanguage = Field(default_factory=dict)  # wording that looks like a phrase but is not one
    replace: bool = False


class _ExperienceFile(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,60}$")
    name: dict[str, str]
    terms: PerLanguage
    competencies: list[str] = Field(default_factory=list)


class _TechFile(_Strict):
    competencies: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)


class _LibraryFile(_Strict):
    library: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,60}$")
    version: str = Field(min_length=1, max_length=40)
    competencies: list[_CompetencyFile] = Field(default_factory=list)
    experiences: list[_ExperienceFile] = Field(default_factory=list)
    tech_experiences: _TechFile | None = None
    templates: dict[str, dict[str, str]] = Field(default_factory=dict)


@dataclass
class Competency:
    id: str
    name: dict[str, str] = field(default_factory=dict)
    phrases: PerLanguage = field(default_factory=dict)
    indicators: PerLanguage = field(default_factory=dict)
    questions: PerLanguage = field(default_factory=dict)
    exclude: PerLanguage = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def title(self, language: str) -> str:
        return self.name.get(language) or self.name.get("en") or self.id


@dataclass
class Experience:
    id: str
    name: dict[str, str]
    terms: PerLanguage
    competencies: list[str]


@dataclass
class CompetencyLibrary:
    competencies: dict[str, Competency] = field(default_factory=dict)
    experiences: dict[str, Experience] = field(default_factory=dict)
    tech_terms: list[str] = field(default_factory=list)
    tech_competencies: list[str] = field(default_factory=list)
    templates: dict[str, dict[str, str]] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """E.g. ``candor-core@2026.1+acme@3``: every library file that shaped the questions."""
        return "+".join(f"{name}@{version}" for name, version in self.versions.items())

    def get(self, competency_id: str) -> Competency:
        try:
            return self.competencies[competency_id]
        except KeyError:
            raise LibraryError(
                f"No competency {competency_id!r} in the library ({self.version}); "
                f"known: {', '.join(sorted(self.competencies))}."
            ) from None

    def describe(self, competency_id: str, language: str) -> dict[str, Any]:
        """What a question stores about a competency: id, name and indicators in the question's language."""
        competency = self.get(competency_id)
        return {
            "id": competency.id,
            "name": competency.title(language),
            "indicators": list(competency.indicators.get(language, [])),
        }


def load_library(
    plugin_files: Iterable[Path] = (), competency_dirs: Iterable[str | Path] = ()
) -> CompetencyLibrary:
    """The built-in library extended by plugin files and then by the organisation's folders, in that order."""
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    files += [Path(path) for path in plugin_files]
    for folder in competency_dirs:
        path = Path(folder)
        if not path.is_dir():
            raise LibraryError(
                f"competency_dirs names {str(path)!r}, which is not a folder. Fix the setting "
                "CANDOR_COMPETENCY_DIRS or create the folder."
            )
        files += sorted(path.glob("*.yaml"))
    library = CompetencyLibrary()
    for path in files:
        _merge(library, _read(path), path)
    return library


def _read(path: Path) -> _LibraryFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LibraryError(f"Cannot read competency library {path}: {exc}") from None
    try:
        parsed = _LibraryFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise LibraryError(
            f"Competency library {path} is not valid: {problems}. "
            "See candor/questions/data/core.yaml for the format."
        ) from None
    for item in [*parsed.competencies, *parsed.experiences]:
        for language in (
            {*item.name, *item.phrases, *item.indicators, *item.questions, *item.exclude}
            if isinstance(item, _CompetencyFile)
            else {*item.name, *item.terms}
        ):
            if language not in LANGUAGES:
                raise LibraryError(
                    f"Competency library {path}: {item.id} uses language {language!r}; "
                    f"use one of {', '.join(LANGUAGES)}."
                )
    return parsed


def _merge(library: CompetencyLibrary, parsed: _LibraryFile, path: Path) -> None:
    if parsed.library in library.versions:
        raise LibraryError(
            f"Competency library {parsed.library!r} is loaded twice (again from {path}); "
            "give each file its own library name."
        )
    library.versions[parsed.library] = parsed.version
    source = f"{parsed.library}@{parsed.version}"
    for item in parsed.competencies:
        current = library.competencies.get(item.id)
        if current is None or item.replace:
            current = library.competencies[item.id] = Competency(item.id)
        current.name.update(item.name)
        for mine, theirs in (
            (current.phrases, item.phrases),
            (current.indicators, item.indicators),
            (current.questions, item.questions),
            (current.exclude, item.exclude),
        ):
            _extend(mine, theirs)
        current.sources.append(source)
        if not current.name:
            raise LibraryError(f"Competency library {path}: new competency {item.id!r} needs a name.")
    for experience in parsed.experiences:
        library.experiences[experience.id] = Experience(
            experience.id, experience.name, experience.terms, experience.competencies
        )
    if parsed.tech_experiences is not None:
        library.tech_terms = _unique([*library.tech_terms, *parsed.tech_experiences.terms])
        library.tech_competencies = _unique(
            [*library.tech_competencies, *parsed.tech_experiences.competencies]
        )
    for kind, texts in parsed.templates.items():
        library.templates.setdefault(kind, {}).update(texts)
    known = set(library.competencies)
    for experience in library.experiences.values():
        unknown = [c for c in experience.competencies if c not in known]
        if unknown:
            raise LibraryError(
                f"Competency library {path}: experience {experience.id!r} names unknown "
                f"competencies {', '.join(unknown)}."
            )


def _extend(mine: PerLanguage, theirs: Mapping[str, Sequence[str]]) -> None:
    for language, values in theirs.items():
        mine[language] = _unique([*mine.get(language, []), *values])


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value.strip()))
