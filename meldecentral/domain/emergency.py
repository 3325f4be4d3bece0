"""Not an emergency service: decide when a submission must be sent to 112 instead.

Hard signals (the answers themselves say "happening now" together with violence, weapons, fire
or a child in danger) get the 112 answer and the report is not stored. Soft signals (words in
the text that suggest danger, or a minor involved right now) ask the reporter to confirm that
nobody is in danger before the report is stored: words are guesses, so they never block alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NONE = "none"
CONFIRM = "confirm"  # ask the reporter: is someone in danger right now?
EMERGENCY = "emergency"  # the 112 answer; not stored

# Words that suggest danger, per language and per kind. A trailing "*" matches any ending, so
# one stem covers inflections and Danish compounds ("kniv*": kniven, knivstik, knivoverfald).
# Without "*" the word must match whole (short words that start other words: "ild", "gun"). An
# entry with a space is a phrase, matched on the whole text.
SIGNAL_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "da": {
        "violence": (
            "vold*",
            "slår",
            "slog",
            "slået",
            "slås",
            "tæsk*",
            "tæver",
            "sparker",
            "overfald*",
            "angreb*",
            "angriber",
            "kvæler",
            "voldtægt*",
            "dræb*",
            "slagsmål",
            "stukket ned",
        ),
        "weapon": (
            "kniv*",
            "våben*",
            "pistol*",
            "gevær*",
            "skud*",
            "skyd*",
            "skød",
            "machete*",
            "økse*",
        ),
        "fire": ("brand", "branden", "brænd*", "ild", "ilden", "ildspåsæt*", "flammer*"),
        "child": ("kidnap*", "bortfør*", "mishandl*"),
    },
    "en": {
        "violence": (
            "violen*",
            "attack*",
            "assault*",
            "beating",
            "beaten",
            "punch*",
            "kicking",
            "fight*",
            "strangl*",
            "rape*",
            "kill*",
            "stab",
            "stabs",
            "stabbed",
            "stabbing*",
        ),
        "weapon": (
            "knife",
            "knives",
            "gun",
            "guns",
            "gunman",
            "gunshot*",
            "shoot*",
            "shot",
            "shots",
            "weapon*",
            "pistol*",
            "rifle*",
            "machete*",
        ),
        # Not "fire" alone: it is also Danish for four ("fire unge").
        "fire": (
            "on fire",
            "a fire",
            "the fire",
            "set fire",
            "caught fire",
            "burning",
            "arson*",
            "blaze",
            "ablaze",
            "flames",
        ),
        "child": ("kidnap*", "abduct*"),
    },
}


def _compile(words: dict[str, dict[str, tuple[str, ...]]]) -> dict[str, re.Pattern]:
    """One pattern per kind over all languages: reporters mix languages."""
    kinds: dict[str, list[str]] = {}
    for per_kind in words.values():
        for kind, stems in per_kind.items():
            for stem in stems:
                body = r"\s+".join(re.escape(part) for part in stem.rstrip("*").split())
                kinds.setdefault(kind, []).append(body + (r"\w*" if stem.endswith("*") else ""))
    return {k: re.compile(r"(?<!\w)(?:" + "|".join(v) + r")(?!\w)") for k, v in kinds.items()}


_PATTERNS = _compile(SIGNAL_WORDS)


def danger_words(text: str) -> tuple[str, ...]:
    """The kinds of danger (violence, weapon, fire, child) the text's words suggest, sorted."""
    lowered = (text or "").lower()
    return tuple(sorted(kind for kind, pattern in _PATTERNS.items() if pattern.search(lowered)))


@dataclass(frozen=True)
class Assessment:
    level: str  # NONE, CONFIRM or EMERGENCY
    signals: tuple[str, ...] = ()  # why: "category", "child_in_danger", "words:<kind>", ...


def assess(
    *,
    happening_now: bool,
    category_is_emergency: bool,
    child_in_danger: bool,
    minor_involved: bool = False,
    text: str = "",
) -> Assessment:
    """Happening now together with violence, weapons, fire (the category flagged so, or words
    in the text, in any category) or a child in danger is an emergency. Words alone (outside
    a category flagged for emergencies), or a minor involved right now, ask for a
    confirmation."""
    words = danger_words(text)
    hard = []
    if happening_now:
        if category_is_emergency:
            hard.append("category")
        if child_in_danger:
            hard.append("child_in_danger")
        hard.extend(f"words:{w}" for w in words)
    if hard:
        return Assessment(EMERGENCY, tuple(hard))
    # In a category flagged for emergencies, "not happening now" already answered what the
    # words would ask ("an assault, yesterday" under violence).
    soft = [] if category_is_emergency else [f"words:{w}" for w in words]
    if happening_now and minor_involved:
        soft.append("minor_involved")
    if soft:
        return Assessment(CONFIRM, tuple(soft))
    return Assessment(NONE)


def is_emergency(
    *, happening_now: bool, category_is_emergency: bool, child_in_danger: bool
) -> bool:
    """The hard rule on the answers alone (no text)."""
    return (
        assess(
            happening_now=happening_now,
            category_is_emergency=category_is_emergency,
            child_in_danger=child_in_danger,
        ).level
        == EMERGENCY
    )
