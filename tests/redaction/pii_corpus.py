"""A generated corpus of interview-like English and Chinese text with every piece of personal data marked.

Faker (seeded, so every run sees the same text) supplies en_US and zh_CN people, e-mails, phones, ID numbers
(valid check digits) and card numbers (valid Luhn); the templates put them where candidates say them. The
ground truth is the exact span where each value was inserted, so it never depends on the code under test.
Used by the recall test and by ``bench/redaction_bench.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from faker import Faker
from faker.providers.credit_card import CreditCard
from faker.providers.credit_card import Provider as CardProvider


class _UnionPayCards(CardProvider):
    # Most cards in mainland China are UnionPay (62...), 16 or 19 digits; faker computes the Luhn digit.
    credit_card_types = {
        **CardProvider.credit_card_types,
        "unionpay16": CreditCard("UnionPay", ["62"], 16),
        "unionpay19": CreditCard("UnionPay", ["62"], 19),
    }


@dataclass(frozen=True)
class Truth:
    family: str  # email, phone, id, card, person, location
    start: int
    end: int


@dataclass
class Record:
    language: str
    text: str = ""
    truths: list[Truth] = field(default_factory=list)

    def say(self, *parts: str | tuple[str, str]) -> None:
        """Append text; a ``(family, value)`` part is personal data and its span is recorded."""
        for part in parts:
            if isinstance(part, tuple):
                family, value = part
                self.truths.append(Truth(family, len(self.text), len(self.text) + len(value)))
                self.text += value
            else:
                self.text += part


def _grouped(number: str, rng: random.Random) -> str:
    """Cards as people write them: plain, or in groups of four separated by spaces or hyphens."""
    style = rng.random()
    if style < 0.5:
        return number
    separator = " " if style < 0.85 else "-"
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


def _cn_mobile(number: str, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.6:
        return number
    if style < 0.8:
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    return f"+86 {number}"


def _digits(rng: random.Random, shortest: int, longest: int) -> str:
    return str(rng.randint(1, 9)) + "".join(
        str(rng.randint(0, 9)) for _ in range(rng.randint(shortest, longest) - 1)
    )


def english_record(fake: Faker, rng: random.Random) -> Record:
    record = Record("en")
    person = f"{fake.first_name()} {fake.last_name()}"
    colleague = f"{fake.first_name()} {fake.last_name()}"
    parts = [
        lambda: record.say(
            "Hi, my name is ",
            ("person", person),
            " and I am applying for the ",
            fake.job().split(",")[0].lower(),
            " position. ",
        ),
        lambda: record.say(
            "You can reach me at ",
            ("phone", fake.phone_number()),
            " or by email at ",
            ("email", fake.email()),
            ". ",
        ),
        lambda: record.say(
            "For the background check, my social security number is ", ("id", fake.ssn()), ". "
        ),
        lambda: record.say(
            "Please refund the assessment fee to my card ",
            ("card", _grouped(fake.credit_card_number(), rng)),
            ". ",
        ),
        lambda: record.say(
            "At ",
            fake.company(),
            " I worked with ",
            ("person", colleague),
            " on a project that cut support tickets by ",
            str(rng.randint(10, 60)),
            " percent. ",
        ),
        lambda: record.say(
            "I moved to ",
            ("location", fake.city()),
            " last year and I can start in ",
            fake.month_name(),
            ". ",
        ),
        lambda: record.say("My biggest strength is that I ", fake.bs(), ", and I enjoy working in a team. "),
        # Numbers that are not personal data: they measure precision on digits.
        lambda: record.say(
            "My application reference is ",
            _digits(rng, 8, 16),
            ", and last year our team closed ",
            f"{rng.randint(1000, 99999):,}",
            " tickets. ",
        ),
    ]
    rng.shuffle(parts)
    for say in parts[: rng.randint(4, len(parts))]:
        say()
    return record


def chinese_record(fake: Faker, rng: random.Random) -> Record:
    record = Record("zh")
    parts = [
        lambda: record.say(
            "面试官您好，我应聘",
            fake.job(),
            "岗位，在",
            fake.company(),
            "工作过",
            str(rng.randint(2, 9)),
            "年。",
        ),
        lambda: record.say(
            "我的手机号是",
            ("phone", _cn_mobile(fake.phone_number(), rng)),
            "，邮箱是",
            ("email", fake.email()),
            "。",
        ),
        lambda: record.say("身份证号码：", ("id", fake.ssn()), "，请核对。"),
        lambda: record.say(
            "工资卡卡号",
            (
                "card",
                _grouped(
                    fake.credit_card_number(card_type=rng.choice(["unionpay16", "unionpay19", None])), rng
                ),
            ),
            "，开户行是",
            fake.company(),
            "。",
        ),
        lambda: record.say("如有问题可以拨打", ("phone", fake.phone_number()), "联系我。"),
        lambda: record.say(
            "我最大的优点是认真负责，善于沟通，曾带领团队完成", str(rng.randint(3, 20)), "个项目。"
        ),
        lambda: record.say(
            "报名编号", _digits(rng, 8, 16), "，去年销售额", str(rng.randint(100, 99999)), "万元。"
        ),
    ]
    rng.shuffle(parts)
    for say in parts[: rng.randint(4, len(parts))]:
        say()
    return record


def generate(records_per_language: int = 500, seed: int = 20250601) -> list[Record]:
    """``records_per_language`` English and as many Chinese records, the same for the same seed."""
    rng = random.Random(seed)
    english, chinese = Faker("en_US"), Faker("zh_CN")
    english.seed_instance(seed)
    chinese.seed_instance(seed + 1)
    chinese.add_provider(_UnionPayCards)
    corpus = [english_record(english, rng) for _ in range(records_per_language)]
    corpus += [chinese_record(chinese, rng) for _ in range(records_per_language)]
    return corpus


#: Which family of ground truth each entity type the redactor reports belongs to.
FAMILY_OF_TYPE = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CN_RESIDENT_ID": "id",
    "US_SSN": "id",
    "BANK_CARD": "card",
    "PERSON": "person",
    "LOCATION": "location",
}


@dataclass
class Scores:
    """Recall per ground-truth family and precision per reported entity type."""

    truths: dict[str, int] = field(default_factory=dict)
    covered: dict[str, int] = field(default_factory=dict)
    reported: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)

    def recall(self, family: str) -> float:
        return self.covered.get(family, 0) / self.truths[family]

    def precision(self, entity_type: str) -> float:
        return self.correct.get(entity_type, 0) / self.reported[entity_type]

    def add(self, record: Record, findings: list) -> None:
        for truth in record.truths:
            self.truths[truth.family] = self.truths.get(truth.family, 0) + 1
            # Redacted means every character of the value lies inside some finding, whatever its type.
            if all(any(f.start <= i < f.end for f in findings) for i in range(truth.start, truth.end)):
                self.covered[truth.family] = self.covered.get(truth.family, 0) + 1
        for finding in findings:
            kind = finding.entity_type
            self.reported[kind] = self.reported.get(kind, 0) + 1
            family = FAMILY_OF_TYPE.get(kind)
            if any(
                t.family == family and t.start < finding.end and finding.start < t.end for t in record.truths
            ):
                self.correct[kind] = self.correct.get(kind, 0) + 1

    def table(self) -> str:
        lines = ["recall (value fully redacted):"]
        lines += [
            f"  {family:<10} {self.recall(family):.4f}  ({self.covered.get(family, 0)}/{count})"
            for family, count in sorted(self.truths.items())
        ]
        lines.append("precision (finding overlaps a value of its kind):")
        lines += [
            f"  {kind:<15} {self.precision(kind):.4f}  ({self.correct.get(kind, 0)}/{count})"
            for kind, count in sorted(self.reported.items())
        ]
        return "\n".join(lines)
