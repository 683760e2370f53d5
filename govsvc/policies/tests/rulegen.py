"""Random well-formed rules and profiles, shared by the property and equivalence tests."""

import math
import random
from datetime import date

from hypothesis import strategies as st

from govsvc.policies.rules import syntax as s

P = s.Pos(1, 1, "")

NUMBER_FIELDS = ("n1", "n2", "f1")  # f1 holds 0/1: a flag and a number at once
NUMBERS = (0.0, 1.0, 2.5, 3.0, 0.1, 0.2, 0.3, 5e6, 1e308, 1e-300, 12.0, 7.0)
STRINGS = ("", "江岸区", "武昌区", "a", "A", "é", "z", "江", "a b")
DATES = (date(2019, 12, 31), date(2020, 1, 1), date(2024, 2, 29))

PROFILE_NUMBERS = (
    None,
    math.nan,
    0.0,
    -0.0,
    1.0,
    2.5,
    -3.0,
    0.1,
    0.30000000000000004,
    5e6,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    12.0,
    7.0,
)
PROFILE_INTS = (None, 0, 1, 3, 7, 12, -5, 5_000_000, 2**53 + 1, -(2**62))


def number_leaf() -> st.SearchStrategy[s.Node]:
    return st.one_of(
        st.sampled_from([s.Field(n, P) for n in NUMBER_FIELDS]),
        st.sampled_from(NUMBERS).map(lambda v: s.Number(v, P)),
    )


numbers: st.SearchStrategy[s.Node] = st.recursive(
    number_leaf(),
    lambda inner: st.one_of(
        st.builds(lambda o: s.Negate(o, P), inner),
        st.builds(lambda op, a, b: s.Arith(op, a, b, P), st.sampled_from("+-*/"), inner, inner),
    ),
    max_leaves=5,
)
strings = st.one_of(
    st.just(s.Field("s1", P)), st.sampled_from(STRINGS).map(lambda v: s.String(v, P))
)
dates = st.one_of(
    st.just(s.Field("d1", P)), st.sampled_from(DATES).map(lambda v: s.String(v.isoformat(), P))
)
flags = st.sampled_from(
    [s.Field("b1", P), s.Field("f1", P), s.Boolean(True, P), s.Boolean(False, P)]
)
OPS = ("==", "!=", "<", "<=", ">", ">=")


def _compare(kind: st.SearchStrategy[s.Node]) -> st.SearchStrategy[s.Node]:
    return st.builds(lambda op, a, b: s.Compare(op, a, b, P), st.sampled_from(OPS), kind, kind)


def _in_list(
    kind: st.SearchStrategy[s.Node], items: st.SearchStrategy[s.Literal]
) -> st.SearchStrategy[s.Node]:
    return st.builds(
        lambda a, xs, neg: s.InList(a, tuple(xs), neg, P),
        kind,
        st.lists(items, min_size=1, max_size=4),
        st.booleans(),
    )


atoms = st.one_of(
    _compare(numbers),
    _compare(strings),
    _compare(dates),
    st.builds(lambda op, a, b: s.Compare(op, a, b, P), st.sampled_from(["==", "!="]), flags, flags),
    _in_list(numbers, st.sampled_from((*NUMBERS, -1.0, -0.0)).map(lambda v: s.Number(v, P))),
    _in_list(strings, st.sampled_from(STRINGS).map(lambda v: s.String(v, P))),
    _in_list(flags, st.booleans().map(lambda v: s.Boolean(v, P))),
    flags,
)
conditions: st.SearchStrategy[s.Node] = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.builds(lambda o: s.Not(o, P), inner),
        st.builds(
            lambda op, a, b: s.Logic(op, a, b, P), st.sampled_from(["and", "or"]), inner, inner
        ),
    ),
    max_leaves=6,
)

profile = st.fixed_dictionaries(
    {
        "entity_id": st.integers(0, 30),
        "n1": st.sampled_from(PROFILE_NUMBERS),
        "n2": st.sampled_from(PROFILE_INTS),
        "s1": st.sampled_from((None, *STRINGS)),
        "d1": st.sampled_from((None, *DATES)),
        "b1": st.sampled_from((None, True, False)),
        "f1": st.sampled_from((None, 0, 1)),
    }
)


def random_profiles(rng: random.Random, count: int) -> list[dict[str, object]]:
    """The same value pools, drawn with a seeded generator instead of hypothesis."""
    return [
        {
            "entity_id": rng.randrange(count),
            "n1": rng.choice(PROFILE_NUMBERS),
            "n2": rng.choice(PROFILE_INTS),
            "s1": rng.choice((None, *STRINGS)),
            "d1": rng.choice((None, *DATES)),
            "b1": rng.choice((None, True, False)),
            "f1": rng.choice((None, 0, 1)),
        }
        for _ in range(count)
    ]


def random_number(rng: random.Random, depth: int = 2) -> s.Node:
    roll = rng.random()
    if depth <= 0 or roll < 0.5:
        if rng.random() < 0.5:
            return s.Field(rng.choice(NUMBER_FIELDS), P)
        return s.Number(rng.choice(NUMBERS), P)
    if roll < 0.6:
        return s.Negate(random_number(rng, depth - 1), P)
    op = rng.choice("+-*/")
    return s.Arith(op, random_number(rng, depth - 1), random_number(rng, depth - 1), P)


def random_condition(rng: random.Random, depth: int = 3) -> s.Node:
    """A seeded twin of :data:`conditions`, for tests that want many rules at once."""
    roll = rng.random()
    if depth > 0 and roll < 0.35:
        if rng.random() < 0.25:
            return s.Not(random_condition(rng, depth - 1), P)
        op = rng.choice(["and", "or"])
        return s.Logic(op, random_condition(rng, depth - 1), random_condition(rng, depth - 1), P)
    kind = rng.randrange(6)
    op = rng.choice(OPS)
    if kind == 0:
        return s.Compare(op, random_number(rng), random_number(rng), P)
    if kind == 1:
        text = [s.Field("s1", P), s.String(rng.choice(STRINGS), P)]
        return s.Compare(op, rng.choice(text), rng.choice(text), P)
    if kind == 2:
        day = s.String(rng.choice(DATES).isoformat(), P)
        return s.Compare(op, s.Field("d1", P), day, P)
    if kind == 3:
        items = tuple(s.Number(v, P) for v in rng.sample((*NUMBERS, -1.0), rng.randint(1, 4)))
        return s.InList(random_number(rng, 1), items, rng.random() < 0.5, P)
    if kind == 4:
        items = tuple(s.String(v, P) for v in rng.sample(STRINGS, rng.randint(1, 4)))
        return s.InList(s.Field("s1", P), items, rng.random() < 0.5, P)
    flag = s.Field(rng.choice(["b1", "f1"]), P)
    if rng.random() < 0.5:
        return flag
    return s.Compare(rng.choice(["==", "!="]), flag, s.Boolean(rng.random() < 0.5, P), P)
