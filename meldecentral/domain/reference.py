"""Receipt references: short, readable, and not guessable (40 random bits)."""

from __future__ import annotations

import re
import secrets

# Crockford's base32 without I, L, O, U: nothing to misread on a phone screen.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PATTERN = re.compile(r"^MC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def new_reference() -> str:
    bits = int.from_bytes(secrets.token_bytes(5))  # 40 bits, five per character
    chars = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(8))
    return f"MC-{chars[:4]}-{chars[4:]}"


def normalise_reference(text: str) -> str | None:
    """Accept what a person types: lower case, spaces, O for 0, I/L for 1. None if not valid."""
    cleaned = re.sub(r"[\s-]", "", text.upper()).translate(str.maketrans("OIL", "011"))
    if cleaned.startswith("MC"):
        cleaned = cleaned[2:]
    if len(cleaned) != 8:
        return None
    ref = f"MC-{cleaned[:4]}-{cleaned[4:]}"
    return ref if PATTERN.match(ref) else None
