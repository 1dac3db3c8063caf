"""The scorer's vocabulary: which words count as the same idea (``lexicon.yaml``), and the marker words of
behavioural answers (situation, task, result, hypothetical and generic talk) in English and Chinese.

Owns reading the vocabulary once per process and mapping a word to its groups. It reads no answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")


@dataclass(frozen=True)
class Group:
    id: str
    weight: float
    words: tuple[str, ...]


@dataclass
class Lexicon:
    """One language's groups, and for each word (an English lemma sequence or a Chinese string) its groups."""

    language: str
    groups: dict[str, Group] = field(default_factory=dict)
    by_word: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def groups_of(self, word: str) -> tuple[str, ...]:
        return self.by_word.get(word, ())

    def weight_of(self, word: str) -> float:
        """A word weighs as little as the lightest group it belongs to (generic words stay generic)."""
        ids = self.groups_of(word)
        return min((self.groups[i].weight for i in ids), default=1.0)


@lru_cache(maxsize=1)
def lexicons() -> dict[str, Lexicon]:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    result = {}
    for language in ("en", "zh"):
        lexicon = Lexicon(language)
        for group_id, entry in (data.get(language) or {}).items():
            words = tuple(str(w).lower() if language == "en" else str(w) for w in entry["words"])
            lexicon.groups[group_id] = Group(group_id, float(entry.get("weight", 1.0)), words)
            for word in words:
                lexicon.by_word[word] = (*lexicon.by_word.get(word, ()), group_id)
        result[language] = lexicon
    return result


def version() -> str:
    return str(yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")).get("version", "0"))


# --- English markers (spaCy lemmas) -------------------------------------------------------------------------

EN_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "as",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "him",
        "you",
        "your",
        "yours",
        "we",
        "our",
        "us",
        "i",
        "me",
        "my",
        "mine",
        "be",
        "have",
        "do",
        "get",
        "make",
        "go",
        "so",
        "not",
        "no",
        "yes",
        "very",
        "really",
        "just",
        "also",
        "then",
        "than",
        "too",
        "up",
        "down",
        "out",
        "about",
        "how",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "time",
        "example",
        "tell",
        "describe",
        "thing",
        "something",
        "way",
        "lot",
        "kind",
        "sort",
        "ask",
        "answer",
        "question",
        "one",
        "some",
        "any",
        "each",
        "every",
        "all",
        "more",
        "most",
        "much",
        "many",
        "other",
        "such",
        "own",
        "same",
        "again",
        "well",
        "even",
        "still",
        "ever",
        "never",
        "always",
        "usually",
        "x",
        "xx",
    ]
)
EN_STATIVE = frozenset(
    [
        "be",
        "think",
        "believe",
        "feel",
        "guess",
        "know",
        "like",
        "love",
        "want",
        "hope",
        "seem",
        "wish",
        "mean",
        "suppose",
    ]
)
EN_GENERIC_ADVERBS = frozenset(
    ["always", "usually", "generally", "typically", "normally", "often", "sometimes", "probably"]
)
EN_MODALS = frozenset(["would", "could", "should", "might", "will", "shall", "can", "may"])
EN_OPINION_VERBS = frozenset(["think", "believe", "feel", "consider", "guess"])
EN_SITUATION = frozenset(
    [
        "when",
        "while",
        "during",
        "ago",
        "last",
        "previous",
        "once",
        "year",
        "month",
        "week",
        "company",
        "job",
        "role",
        "project",
        "shift",
        "team",
        "department",
        "hospital",
        "plant",
        "store",
    ]
)
EN_TASK = (
    "goal",
    "task",
    "responsible",
    "responsibility",
    "have to",
    "need to",
    "challenge",
    "deadline",
    "target",
    "aim",
    "mission",
    "objective",
    "be about to",
    "supposed",
    "duty",
    "ask to",
    "my job",
)
EN_RESULT = (
    "result",
    "outcome",
    "in the end",
    "finally",
    "eventually",
    "lead to",
    "save",
    "reduce",
    "increase",
    "improve",
    "drop",
    "rise",
    "fall",
    "grow",
    "cut",
    "win",
    "renew",
    "approve",
    "finish",
    "deliver",
    "launch",
    "stop",
    "disappear",
    "succeed",
    "achieve",
    "complete",
    "resolve",
    "lift",
    "decrease",
    "go from",
    "early",
    "on time",
    "ahead of",
    "come back",
)
EN_NUMBER_WORDS = frozenset(["zero", "half", "third", "quarter", "double", "twice", "triple", "percent", "percentage"])
EN_NUMBER_ENTS = frozenset({"PERCENT", "MONEY", "QUANTITY", "CARDINAL"})
EN_NEGATIONS = frozenset({"not", "never", "no", "n't", "without"})

# --- Chinese markers (substrings / patterns) ----------------------------------------------------------------

ZH_STOP = frozenset(
    [
        "请",
        "描述",
        "一次",
        "经历",
        "你",
        "的",
        "是",
        "如何",
        "什么",
        "讲",
        "具体",
        "做",
        "了",
        "在",
        "与",
        "和",
        "并",
        "也",
        "时",
        "中",
        "其",
        "把",
        "将",
        "地",
        "得",
        "着",
        "过",
        "有",
        "这",
        "那",
        "个",
        "让",
        "大家",
        "一个",
        "方向",
        "同一",
        "努力",
        "接下来",
        "怎么",
        "哪些",
        "之后",
    ]
)
ZH_PUNCT = "。！？!?；;\n"
ZH_CLAUSE_PUNCT = "，,、：:" + ZH_PUNCT
ZH_NEGATION = re.compile(r"(不|没有|没|未|无|别|从不|从来没)$")
ZH_GENERIC = re.compile(r"如果|假如|一般|通常|总是|一直|平时|应该|觉得|认为|我会|都会|会去|善于|很强|很好|能力")
ZH_SPECIFIC = re.compile(
    r"(?<![为除])了(?!解)|(?<!不)过(?![来去])|去年|前年|当时|那时|有一次|之前|后来|\d{4}年|上个月|那次|曾经|的时候|那年"
)
ZH_SITUATION = re.compile(
    r"去年|前年|当时|那时|有一次|之前|\d{4}年|的时候|那年|上个月|一段时间|双十一|在[^，。]{1,12}(公司|工厂|医院|银行|门店|部门)"
    r"|我在[^，。]{1,12}(做|当|负责)|当[^，。]{1,6}的时候"
)
ZH_TASK = re.compile(r"目标|任务|负责|需要|要求|必须|挑战|期限|定了|只有[^，。]{1,4}(周|天|个月)|要在|要把")
ZH_RESULT = re.compile(
    r"结果|最终|最后|终于|提高|提升|降低|降到|减少|增加|增长|超额|节省|完成了|达成|实现了|上线|成功|解决了|好了|"
    r"没有再|删掉|介绍了|按时|提前|改善|恢复"
)
ZH_NUMBER = re.compile(
    r"\d|百分之|[%％]|[一二三四五六七八九十两百千万]+(个|倍|成|分钟|小时|天|周|位|次|万|元|人|家|单)"
)
ZH_WE = re.compile(r"我们|咱们|团队|大家")
ZH_I = re.compile(r"我(?!们)")
ZH_NON_ACTION_VERBS = frozenset(
    ["是", "有", "觉得", "认为", "喜欢", "希望", "想", "会", "能", "要", "可以", "应该", "感觉", "知道", "爱"]
)
