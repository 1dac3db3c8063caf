"""The competency library: versions, extension by organisations, and clear errors for broken files."""

from __future__ import annotations

import pytest

from candor.questions.library import LibraryError, load_library

ACME = """
library: acme
version: "3"
competencies:
  - id: team_leadership
    phrases: {en: [run the crew]}
    questions: {en: ["Tell me about a crew you ran through a hard week."]}
  - id: food_hygiene
    name: {en: Food hygiene, zh: 食品卫生}
    phrases: {en: [haccp], zh: [食品卫生]}
    indicators: {en: [keeps records], zh: [做好记录]}
    questions:
      en: ["Describe how you keep a kitchen HACCP-compliant."]
      zh: ["请描述你如何保证后厨食品卫生。"]
"""


def test_builtin_library_is_versioned_and_bilingual():
    library = load_library()
    assert library.version.startswith("candor-core@")
    assert len(library.competencies) >= 20
    for competency in library.competencies.values():
        for language in ("en", "zh"):
            assert competency.name[language] and competency.questions[language], competency.id
            assert competency.indicators[language] and competency.phrases[language], competency.id


def test_organisation_folder_extends_and_adds(tmp_path):
    (tmp_path / "acme.yaml").write_text(ACME, encoding="utf-8")
    library = load_library(competency_dirs=[tmp_path])
    assert library.version.endswith("+acme@3")
    leadership = library.get("team_leadership")
    assert "run the crew" in leadership.phrases["en"] and "lead a team" in leadership.phrases["en"]
    assert leadership.sources[-1] == "acme@3"
    assert library.get("food_hygiene").name["zh"] == "食品卫生"


def test_broken_files_are_named_with_what_to_fix(tmp_path):
    (tmp_path / "bad.yaml").write_text("library: bad\nversion: '1'\ncompetencies:\n  - id: Team Leadership\n")
    with pytest.raises(LibraryError, match=r"bad\.yaml.*competencies\.0\.id"):
        load_library(competency_dirs=[tmp_path])
    with pytest.raises(LibraryError, match="not a folder"):
        load_library(competency_dirs=[tmp_path / "missing"])
    (tmp_path / "bad.yaml").write_text(
        "library: fr\nversion: '1'\ncompetencies:\n  - id: x_y\n    name: {fr: Chef}\n"
    )
    with pytest.raises(LibraryError, match="language 'fr'"):
        load_library(competency_dirs=[tmp_path])
