"""Danish words for full-text search, the same way PostgreSQL's 'danish' configuration makes
them: lower case, PostgreSQL's Danish stop words left out, the rest reduced to their Snowball
stem (``snowballstemmer``'s Danish algorithm is the one PostgreSQL's danish_stem uses).

SQLite's index (FTS5) holds ``stems(text)``; PostgreSQL stems in the database. The user's
query is stemmed here on both, to check it and to mark the matched words in a snippet.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import snowballstemmer

# PostgreSQL's tsearch_data/danish.stop (from the Snowball project).
STOP_WORDS = frozenset(
    """og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har
    om vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal
    selv her alle vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne
    end dette mit også under have dig anden hende mine alt meget sit sine vor mod disse hvis
    din nogle hos blive mange ad bliver hendes været thi jer sådan""".split()
)
# A word as PostgreSQL's parser sees it, near enough: letters and digits.
WORD = re.compile(r"[^\W_]+")
SNIPPET_WORDS = 24  # words around the first match
_stemmer = snowballstemmer.stemmer("danish")


@lru_cache(maxsize=20_000)
def stem(word: str) -> str | None:
    """The stem of one word (any case), or None for a stop word."""
    word = word.lower()
    if word in STOP_WORDS:
        return None
    return _stemmer.stemWord(word)


def stems(text: str | None) -> str:
    """The stems of ``text``, space-separated, in order (stop words left out): what SQLite's
    FTS5 tables index."""
    if not text:
        return ""
    return " ".join(s for s in map(stem, WORD.findall(text)) if s)


def query_stems(query: str) -> list[str]:
    """The distinct stems of a user's query, in order; empty if it has no searchable word."""
    out: list[str] = []
    for word in WORD.findall(query):
        s = stem(word)
        if s and s not in out:
            out.append(s)
    return out


def contains_all(text: str | None, wanted: list[str]) -> bool:
    """Whether ``text`` has a word for every stem in ``wanted``."""
    have = set(stems(text).split())
    return bool(wanted) and all(w in have for w in wanted)


def highlight(text: str, wanted: list[str], words: int = SNIPPET_WORDS) -> str:
    """A short extract of ``text`` around its first matched word, HTML-escaped, with each word
    whose stem is in ``wanted`` inside <mark>...</mark>. The text is untrusted: everything in
    it is escaped, and the only markup is ours."""
    found = list(WORD.finditer(text))
    if not found:
        return html.escape(text[:200])
    wanted_set = set(wanted)
    hits = {i for i, m in enumerate(found) if stem(m.group()) in wanted_set}
    first = min(hits) if hits else 0
    start = max(0, first - words // 3)
    end = min(len(found), start + words)
    start = max(0, end - words)
    out = ["… " if start > 0 else ""]
    # Before the first word: what leads up to it (a quote, a bracket), a little at most.
    pos = found[start].start() if start > 0 else max(0, found[0].start() - 20)
    for i in range(start, end):
        m = found[i]
        out.append(html.escape(text[pos : m.start()]))
        word = html.escape(m.group())
        out.append(f"<mark>{word}</mark>" if i in hits else word)
        pos = m.end()
    out.append(" …" if end < len(found) else html.escape(text[pos:]))
    return "".join(out)
