import pytest

from meldecentral.domain.emergency import (
    CONFIRM,
    EMERGENCY,
    NONE,
    assess,
    danger_words,
    is_emergency,
)
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


@pytest.mark.parametrize(
    "text,kinds",
    [
        # English
        ("a knife attack right now, come quickly", ("violence", "weapon")),
        ("someone is stabbing people", ("violence",)),
        ("he was stabbed", ("violence",)),
        ("a man with a gun", ("weapon",)),
        ("shots fired, shooting at the square", ("weapon",)),
        ("the bin store is on fire", ("fire",)),
        ("someone set fire to a car", ("fire",)),
        ("they are fighting and kicking a man", ("violence",)),
        ("a child was abducted", ("child",)),
        # Danish, with inflections and compounds
        ("knivstik ved stationen", ("weapon",)),
        ("han har en kniv", ("weapon",)),
        ("de slår en mand", ("violence",)),
        ("Han blev stukket ned", ("violence",)),
        ("der brænder en bil", ("fire",)),
        ("Ilden breder sig", ("fire",)),
        ("der er brand i opgangen", ("fire",)),
        ("han har et våben", ("weapon",)),
        ("en pistol i lommen", ("weapon",)),
        ("jeg hørte skud", ("weapon",)),
        ("skyderi på pladsen", ("weapon",)),
        ("et barn er bortført", ("child",)),
        # Not danger: words that only look like it
        ("der var fire unge på bænken", ()),  # Danish "fire" is four
        ("vild fest hele natten", ()),
        ("brandalarmen bipper", ()),
        ("a stable situation, graffiti on the wall", ()),
        ("firefox crashed", ()),
        ("", ()),
    ],
)
def test_danger_words(text, kinds):
    assert danger_words(text) == kinds


KNIFE = "a knife attack right now, come quickly"


@pytest.mark.parametrize(
    "now,category,child,minor,text,level",
    [
        # hard: happening now with an emergency category, a child in danger, or danger words
        (True, True, False, False, "", EMERGENCY),
        (True, False, True, False, "", EMERGENCY),
        (True, False, False, False, KNIFE, EMERGENCY),  # any category
        (True, False, False, True, "de slår ham", EMERGENCY),
        # soft: words alone, or a minor involved right now
        (False, False, False, False, KNIFE, CONFIRM),
        (False, False, False, False, "der var brand i går", CONFIRM),
        # an emergency category not happening now: the reporter has answered already
        (False, True, False, False, "overfald ved stationen i går", NONE),
        (True, False, False, True, "graffiti", CONFIRM),
        # nothing
        (True, False, False, False, "graffiti on the wall", NONE),
        (False, True, True, True, "graffiti", NONE),
        (False, False, False, False, "", NONE),
    ],
)
def test_assess(now, category, child, minor, text, level):
    result = assess(
        happening_now=now,
        category_is_emergency=category,
        child_in_danger=child,
        minor_involved=minor,
        text=text,
    )
    assert result.level == level
    assert bool(result.signals) == (level != NONE)
