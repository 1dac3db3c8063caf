"""The LL144 arithmetic: the rule's own worked example, exclusion under 2%, unknowns, and fairlearn
agreeing on random samples."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, demographic_parity_ratio, selection_rate

from candor.fairness.metrics import JOIN, Observation, audit
from candor.fairness.vocabulary import RACE, SEX, load_vocabulary

VOCABULARY = load_vocabulary()
ORDER = {d: list(VOCABULARY.dimensions[d].categories) for d in (SEX, RACE)}


def label_of(dimension: str, key: str) -> str:
    return VOCABULARY.dimensions[dimension].label_of(key)


# 6 RCNY 5-301(b), resume screening example: category -> (applicants, selected, printed impact ratio).
RULE_SEX = {"male": (1390, 667, 1.00), "female": (1181, 555, 0.979)}
RULE_RACE = {
    "hispanic_or_latino": (408, 204, 0.97), "white": (797, 412, 1.00),
    "black_or_african_american": (390, 170, 0.84),
    "native_hawaiian_or_pacific_islander": (119, 52, 0.85), "asian": (616, 302, 0.95),
    "native_american_or_alaska_native": (41, 18, 0.85), "two_or_more_races": (213, 96, 0.87),
}


def people(dimension: str, table: dict[str, tuple[int, int, float]], unknown: int = 0) -> list[Observation]:
    found = []
    for key, (applicants, selected, _) in table.items():
        found += [Observation({dimension: key}, selected=i < selected) for i in range(applicants)]
    found += [Observation({dimension: None}, selected=bool(i % 2)) for i in range(unknown)]
    return found


@pytest.mark.parametrize(("dimension", "table"), [(SEX, RULE_SEX), (RACE, RULE_RACE)])
def test_the_rules_worked_example(dimension, table):
    result = audit("selection", people(dimension, table, unknown=250), [dimension], label_of, order=ORDER,
                   threshold=0)
    (breakdown,) = result.breakdowns
    assert breakdown.unknown == 250
    assert [c.key for c in breakdown.categories] == list(table)  # the vocabulary's order
    for category in breakdown.categories:
        applicants, selected, printed_ratio = table[category.key]
        assert (category.count, category.favourable) == (applicants, selected)
        assert category.rate == pytest.approx(selected / applicants)
        # The rule prints two or three decimals.
        assert category.impact_ratio == pytest.approx(printed_ratio, abs=0.006)
    assert breakdown.highest == ("male" if dimension == SEX else "white")
    assert label_of(dimension, breakdown.categories[0].key) == breakdown.categories[0].label


def test_by_hand_the_female_ratio_is_the_female_rate_over_the_male_rate():
    (breakdown,) = audit("selection", people(SEX, RULE_SEX), [SEX], label_of, order=ORDER).breakdowns
    female = next(c for c in breakdown.categories if c.key == "female")
    assert female.impact_ratio == pytest.approx((555 / 1181) / (667 / 1390))
    assert round(female.impact_ratio, 3) == 0.979


def test_a_category_under_two_percent_is_excluded_with_its_justification():
    # Native American or Alaska Native: 41 of 2584 people with a known race, 1.59%.
    (breakdown,) = audit("selection", people(RACE, RULE_RACE), [RACE], label_of, order=ORDER).breakdowns
    by_key = {c.key: c for c in breakdown.categories}
    small = by_key["native_american_or_alaska_native"]
    assert small.excluded and small.impact_ratio is None
    assert small.share == pytest.approx(41 / 2584)
    assert "1.59%" in small.justification and "2%" in small.justification and "5-301" in small.justification
    assert small.rate == pytest.approx(18 / 41)  # still shown
    assert [k for k, c in by_key.items() if c.excluded] == ["native_american_or_alaska_native"]
    assert by_key["black_or_african_american"].impact_ratio == pytest.approx((170 / 390) / (412 / 797))


def test_an_excluded_category_does_not_set_the_highest_rate():
    obs = people(SEX, {"male": (100, 30, 0)}) + people(SEX, {"female": (1000, 500, 0)})
    # 1 of 1101 with a third category selected at 100%: excluded, so the ratios divide by female's 50%.
    obs.append(Observation({SEX: "nonbinary"}, selected=True))
    (breakdown,) = audit("selection", obs, [SEX], lambda d, k: k, order=ORDER).breakdowns
    by_key = {c.key: c for c in breakdown.categories}
    assert by_key["nonbinary"].excluded
    assert breakdown.highest == "female"
    assert by_key["male"].impact_ratio == pytest.approx(0.3 / 0.5)


def test_scoring_rate_is_the_share_above_the_whole_samples_median():
    # Scores 1..10 over two categories plus two unknowns: the median (5.5) counts the unknowns too.
    obs = [Observation({SEX: "male"}, score=s) for s in (10, 9, 8, 1)]
    obs += [Observation({SEX: "female"}, score=s) for s in (7, 2, 3, 4)]
    obs += [Observation({SEX: None}, score=s) for s in (5, 6)]
    obs += [Observation({SEX: "female"}, score=None)]  # no score: not in the scoring sample
    result = audit("scoring", obs, [SEX], label_of, order=ORDER)
    assert result.median == 5.5 and result.sample == 10
    (breakdown,) = result.breakdowns
    male, female = breakdown.categories
    assert (male.count, male.favourable, male.rate) == (4, 3, 0.75)
    assert (female.count, female.favourable, female.rate) == (4, 1, 0.25)
    assert female.impact_ratio == pytest.approx(1 / 3)
    assert breakdown.unknown == 2


def test_a_score_equal_to_the_median_is_not_above_it():
    obs = [Observation({SEX: "male"}, score=s) for s in (1, 2, 3)] + [Observation({SEX: "female"}, score=2)]
    result = audit("scoring", obs, [SEX], label_of, order=ORDER)
    assert result.median == 2
    male, female = result.breakdowns[0].categories
    assert (male.favourable, female.favourable) == (1, 0)


def test_unknown_in_either_dimension_is_unknown_in_the_intersection():
    obs = [Observation({SEX: "male", RACE: "asian"}, selected=True),
           Observation({SEX: "female", RACE: "asian"}, selected=False),
           Observation({SEX: None, RACE: "asian"}, selected=True),
           Observation({SEX: "female", RACE: None}, selected=True)]
    result = audit("selection", obs, [SEX, RACE], label_of, order=ORDER, threshold=0)
    by_sex, by_race, crossed = result.breakdowns
    assert (by_sex.unknown, by_race.unknown, crossed.unknown) == (1, 1, 2)
    assert crossed.dimension == "sex × race_ethnicity"
    assert [(c.key, c.label) for c in crossed.categories] == [(f"male{JOIN}asian", "Male Asian"),
                                                             (f"female{JOIN}asian", "Female Asian")]


def test_no_favourable_outcome_leaves_ratios_undefined_and_says_so():
    obs = [Observation({SEX: "male"}, selected=False), Observation({SEX: "female"}, selected=False)]
    (breakdown,) = audit("selection", obs, [SEX], label_of, order=ORDER).breakdowns
    assert all(c.impact_ratio is None for c in breakdown.categories)
    assert breakdown.highest is None and breakdown.notes


def random_sample(seed: int, size: int) -> list[Observation]:
    rng = random.Random(seed)
    sexes = [*ORDER[SEX], None]
    races = [*ORDER[RACE], None]
    race_weights = [rng.uniform(0.5, 5) for _ in races]
    bias = {key: rng.uniform(-1.5, 1.5) for key in races}
    found = []
    for _ in range(size):
        race = rng.choices(races, race_weights)[0]
        sex = rng.choice(sexes)
        score = round(rng.gauss(50 + 4 * bias[race], 12), rng.choice([0, 1]))  # ties happen with 0 decimals
        found.append(Observation({SEX: sex, RACE: race}, score=score,
                                 selected=rng.random() < 0.3 + 0.1 * bias[race]))
    return found


def fairlearn_rates(y: list[int], groups: pd.DataFrame | pd.Series) -> tuple[dict, float]:
    frame = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=groups)
    return frame.by_group.to_dict(), demographic_parity_ratio(y, y, sensitive_features=groups)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("kind", ["scoring", "selection"])
def test_rates_and_ratios_agree_with_fairlearn_on_random_samples(seed, kind):
    sample = random_sample(seed, random.Random(seed).randint(300, 3000))
    ours = audit(kind, sample, [SEX, RACE], label_of, order=ORDER, threshold=0)
    rated = [o for o in sample if (o.score if kind == "scoring" else o.selected) is not None]
    if kind == "scoring":
        median = float(np.median([o.score for o in rated]))
        assert ours.median == pytest.approx(median)
        y = [int(o.score > median) for o in rated]
    else:
        y = [int(o.selected) for o in rated]
    for breakdown, dims in zip(ours.breakdowns, [[SEX], [RACE], [SEX, RACE]], strict=True):
        known = [i for i, o in enumerate(rated) if all(o.groups[d] is not None for d in dims)]
        assert breakdown.unknown == len(rated) - len(known)
        y_known = [y[i] for i in known]
        if len(dims) == 1:
            groups = pd.Series([rated[i].groups[dims[0]] for i in known], name=dims[0])
            theirs, ratio = fairlearn_rates(y_known, groups)
        else:
            groups = pd.DataFrame({d: [rated[i].groups[d] for i in known] for d in dims})
            by_group, ratio = fairlearn_rates(y_known, groups)
            theirs = {JOIN.join(key): rate for key, rate in by_group.items() if not pd.isna(rate)}
        assert {c.key: c.rate for c in breakdown.categories} == pytest.approx(theirs)
        assert min(c.impact_ratio for c in breakdown.categories) == pytest.approx(ratio)
