import pytest

from meldecentral.domain.emergency import is_emergency
from meldecentral.domain.reference import PATTERN, new_reference, normalise_reference


def test_references_are_readable_and_distinct():
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert PATTERN.match(ref), ref
        assert not set(ref[3:].replace("-", "")) & set("ILOU")


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("MC-7K3Q-9XPA", "MC-7K3Q-9XPA"),
        ("mc 7k3q 9xpa", "MC-7K3Q-9XPA"),
        ("7K3Q9XPA", "MC-7K3Q-9XPA"),
        ("MC-7K3Q-9XP0", "MC-7K3Q-9XP0"),
        ("MC-7K3Q-9XPO", "MC-7K3Q-9XP0"),  # O read as 0
        ("MC-7K3Q-9XP", None),
        ("MC-7K3Q-9XPU", None),
        ("<script>", None),
    ],
)
def test_normalise_reference(typed, expected):
    assert normalise_reference(typed) == expected


@pytest.mark.parametrize(
    "now,category,child,expected",
    [
        (True, True, False, True),
        (True, False, True, True),
        (True, False, False, False),
        (False, True, True, False),
        (False, False, False, False),
    ],
)
def test_emergency(now, category, child, expected):
    assert (
        is_emergency(happening_now=now, category_is_emergency=category, child_in_danger=child)
        is expected
    )
