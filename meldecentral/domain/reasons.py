"""Why a value was refused, said so that every reader gets it in their language.

A service refuses a value with English words: the JSON API answers with them. The pages say
them in the reader's language through the catalogues. ``N_`` marks a fixed reason for the
catalogues; ``Reason`` is a reason with values in it (it is the English string, and keeps its
message id and values for translating). Both are extracted by ``make translations``."""

from __future__ import annotations

from typing import Any


def N_(text: str) -> str:  # gettext's name for "mark only", which pybabel extracts
    return text


class Reason(str):
    """``Reason("unknown unit %(code)s", code="X")`` is the string "unknown unit X"."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Reason:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self
