"""The categories candidates may choose from when they self-identify, and the check of their answers.

The defaults (``data/categories.yaml``) are the EEO-1 sex and race/ethnicity categories used by NYC LL144.
An installation may add categories to a dimension, or whole dimensions, in
``<data_dir>/fairness/categories.yaml``; it cannot remove the defaults, so reports stay comparable from year
to year. "Decline to answer" is always offered and counts as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DECLINE = "decline_to_answer"
DECLINE_LABELS = {"en": "Decline to answer", "zh-CN": "不愿回答"}
SEX, RACE = "sex", "race_ethnicity"
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
LANGUAGES = ("en", "zh-CN")


class VocabularyError(ValueError):
    """A categories file or a candidate's answer does not fit the vocabulary; the message says how."""


@dataclass(frozen=True)
class Dimension:
    key: str
    labels: Mapping[str, str]
    categories: Mapping[str, Mapping[str, str]]  # category key -> label per language

    def label_of(self, category: str | None, language: str = "en") -> str:
        if category is None or category == DECLINE:
            return "Unknown"
        labels = self.categories.get(category, {})
        return labels.get(language) or labels.get("en") or category


@dataclass(frozen=True)
class Vocabulary:
    dimensions: Mapping[str, Dimension] = field(default_factory=dict)

    def to_dict(self, language: str = "en") -> dict[str, Any]:
        """What the candidate's form shows: every dimension with its choices and "decline to answer"."""
        return {"dimensions": [
            {"key": d.key, "label": d.labels.get(language, d.labels.get("en", d.key)),
             "choices": [{"key": k, "label": v.get(language, v.get("en", k))}
                         for k, v in d.categories.items()]
             + [{"key": DECLINE, "label": DECLINE_LABELS.get(language, DECLINE_LABELS["en"])}]}
            for d in self.dimensions.values()]}

    def check_answers(self, answers: Mapping[str, Any]) -> dict[str, str]:
        """The answers as stored: a category (or ``decline_to_answer``) for every dimension."""
        unknown = sorted(set(answers) - set(self.dimensions))
        if unknown:
            raise VocabularyError(f"Unknown question(s) {', '.join(unknown)}; answer only "
                                  f"{', '.join(self.dimensions)}.")
        checked: dict[str, str] = {}
        for key, dimension in self.dimensions.items():
            value = answers.get(key, DECLINE)
            if value is None:
                value = DECLINE
            if not isinstance(value, str) or (value != DECLINE and value not in dimension.categories):
                raise VocabularyError(f"The answer for {key} must be one of the offered choices "
                                      f"({', '.join([*dimension.categories, DECLINE])}).")
            checked[key] = value
        return checked


def _read(text: str, where: str) -> dict[str, Dimension]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise VocabularyError(f"{where} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or data.get("schema_version") != 1 or not isinstance(data.get("dimensions"),
                                                                                          dict):
        raise VocabularyError(f"{where} must have 'schema_version: 1' and a 'dimensions' mapping.")
    found: dict[str, Dimension] = {}
    for key, body in data["dimensions"].items():
        if not isinstance(key, str) or not KEY.match(key) or not isinstance(body, dict):
            raise VocabularyError(f"{where}: dimension {key!r} needs a snake_case key and a mapping body.")
        categories = body.get("categories") or {}
        if not isinstance(categories, dict):
            raise VocabularyError(f"{where}: dimension {key} has 'categories' that is not a mapping.")
        for name, labels in categories.items():
            if (not isinstance(name, str) or not KEY.match(name) or name == DECLINE
                    or not isinstance(labels, dict) or not isinstance(labels.get("en"), str)):
                raise VocabularyError(f"{where}: category {key}.{name} needs a snake_case key (not "
                                      f"{DECLINE}) and at least an 'en' label.")
        labels = body.get("label") or {"en": key}
        if not isinstance(labels, dict):
            raise VocabularyError(f"{where}: the label of dimension {key} must map languages to text.")
        found[key] = Dimension(key, dict(labels), dict(categories))
    return found


def load_vocabulary(data_dir: Path | None = None) -> Vocabulary:
    """The default categories, extended by the installation's file when there is one."""
    text = resources.files("candor.fairness").joinpath("data/categories.yaml").read_text(encoding="utf-8")
    dimensions = _read(text, "the default categories")
    extra = data_dir / "fairness" / "categories.yaml" if data_dir is not None else None
    if extra is not None and extra.is_file():
        for key, added in _read(extra.read_text(encoding="utf-8"), str(extra)).items():
            base = dimensions.get(key)
            if base is None:
                dimensions[key] = added
                continue
            clash = sorted(set(base.categories) & set(added.categories))
            if clash:
                raise VocabularyError(f"{extra}: {key} already has {', '.join(clash)}; add new ones only.")
            dimensions[key] = Dimension(key, {**base.labels, **added.labels},
                                        {**base.categories, **added.categories})
    return Vocabulary(dimensions)
