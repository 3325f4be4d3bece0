"""The one interface every delivery channel implements, the declarations channels make of
themselves, and the registry that holds them.

The rest of the app only ever sees ``Message``, ``Channel.send`` and ``DeliveryError``, so a
channel can be swapped (or faked in tests) without touching the outbox or the workers.

A channel is one module of this package. Its class declares itself with ``@declare(...)``: its
label, the settings it reads (keys, defaults) and its address schema (where a unit keeps its
address, how one is checked, whether it signs with a secret). ``configure(settings)`` imports
every module of the package (``discover``) and builds each declared channel from its declared
settings; the app reads the same declarations (``discover()``) for its forms, its checks and
its command line, so nothing else lists the channels. Importing only records declarations:
no channel is built, no environment read, no connection opened.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "N_",
    "Address",
    "Channel",
    "DeliveryError",
    "Description",
    "Message",
    "Secret",
    "Setting",
    "TIMEOUT",
    "configure",
    "declare",
    "discover",
    "flag",
    "get",
    "register",
    "registered",
    "setting_keys",
]


@dataclass(frozen=True)
class Message:
    """One delivery to one recipient over one channel.

    ``payload`` is the thin JSON payload (ids, reference, category, district, urgency, link);
    it must never carry report text or personal data, because webhooks and logs see it.
    ``message_id`` stays the same across retries so receivers can deduplicate.
    """

    channel: str
    recipient: str
    subject: str
    body: str
    payload: dict
    message_id: str
    secret: str | None = None

    def __repr__(self) -> str:
        # Logs and tracebacks get only what identifies the delivery: the secret, the body and
        # the recipient (an address, or a webhook URL that may embed a token) stay out.
        return f"Message(channel={self.channel!r}, message_id={self.message_id!r})"


class DeliveryError(Exception):
    """A delivery failed; ``permanent`` tells the caller whether retrying can help.

    ``retry_after`` is the receiver's own hint (seconds), if it gave one; the caller decides
    how much of it to honour.
    """

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"DeliveryError({self.reason!r}, permanent={self.permanent}, "
            f"retry_after={self.retry_after})"
        )


@runtime_checkable
class Channel(Protocol):
    """A way to deliver a ``Message``. ``send`` returns a short receipt or raises."""

    name: str

    def send(self, message: Message) -> str:
        """Deliver ``message``; return e.g. "HTTP 200"; raise ``DeliveryError`` on failure."""
        ...


# --- declarations ----------------------------------------------------------------------------


def N_(text: str) -> str:  # gettext's name for "mark only", which pybabel extracts
    """Mark a label for translation: this package knows no translation library, so the app
    translates the label where it shows it (the catalogue has it through pybabel)."""
    return text


def flag(value: Any) -> bool:
    """Settings may come from env-derived strings, where bool("false") would be True."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dataclass(frozen=True)
class Setting:
    """One setting a channel reads: its key in the app's settings, the constructor argument it
    becomes, its default, and how a text (from the environment) is read. ``env=False`` for what
    the app hands over itself and no operator sets (a function)."""

    key: str
    arg: str
    default: Any = None
    parse: Callable[[Any], Any] | None = None
    env: bool = True

    def read(self, settings: Mapping[str, Any]) -> Any:
        value = settings.get(self.key)
        if value is None or value == "":
            return self.default
        return self.parse(value) if self.parse else value


@dataclass(frozen=True)
class Secret:
    """A secret the channel signs with, kept per unit beside its address. ``generate`` makes a
    fresh one (the command line's ``new``); ``label`` is for the page's field."""

    field: str
    label: str
    generate: Callable[[], str]
    column: bool = False


@dataclass(frozen=True)
class Address:
    """Where a unit keeps its address for the channel, and what a valid one is.

    ``field`` names the address in the admin page's form, the command line (``--field-name``,
    or ``--<option>``) and the unit: a column of that name where the unit has one
    (``column=True``: the channels that came with the first schema), else a key of the unit's
    ``addresses`` JSON, so that a new channel needs no migration. ``check`` raises ValueError
    with a short reason for an address the channel could never deliver to. ``kind`` ("email",
    "url", "tel" or "text") says how a form asks for it.
    """

    field: str
    label: str
    check: Callable[[str], object]
    kind: str = "text"
    max_length: int = 500
    column: bool = False
    option: str | None = None
    secret: Secret | None = None


@dataclass(frozen=True)
class Description:
    """What a channel declares of itself; ``address`` None: the unit is its own recipient
    (its id), as for in-app notifications."""

    name: str
    label: str
    settings: tuple[Setting, ...]
    address: Address | None
    factory: Callable[..., Channel]

    def build(self, settings: Mapping[str, Any]) -> Channel:
        """The channel, built from the settings it declared (defaults for those missing)."""
        return self.factory(**{s.arg: s.read(settings) for s in self.settings})


# The time a channel gives a server to connect and to answer, shared by the channels that talk
# to one (the name is older than the e-mail channel's use of it).
TIMEOUT = Setting("HTTP_TIMEOUT", "timeout", default=5.0, parse=float)

_described: dict[str, Description] = {}


def declare(*, label: str, settings: tuple[Setting, ...] = (), address: Address | None = None):
    """Class decorator: record what the decorated channel class (named by its ``name``) is."""

    def record(cls):
        _described[cls.name] = Description(cls.name, label, tuple(settings), address, cls)
        return cls

    return record


def discover() -> Mapping[str, Description]:
    """Import every channel module of this package (each declares itself), and return the
    declarations by name, read-only. Modules whose names start with "_" are helpers."""
    here = Path(__file__).parent
    for module in pkgutil.iter_modules([str(here)]):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__package__}.{module.name}")
    return MappingProxyType(dict(sorted(_described.items())))


def setting_keys() -> list[str]:
    """The settings the channels read that an operator may set (from the environment)."""
    return sorted({s.key for d in discover().values() for s in d.settings if s.env})


# --- the channels built ----------------------------------------------------------------------

_registry: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    """Make ``channel`` available under ``channel.name`` (replacing any earlier one)."""
    name = getattr(channel, "name", None)
    if not isinstance(name, str) or not name or not callable(getattr(channel, "send", None)):
        raise TypeError(f"{channel!r} is not a Channel (needs a str .name and a .send())")
    _registry[name] = channel
    return channel


def get(name: str) -> Channel:
    """Return the channel registered as ``name``; a KeyError names what is available."""
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none"
        raise KeyError(
            f"no notification channel named {name!r} (registered: {known}); "
            "call notifications.configure() / register() at startup"
        ) from None


def registered() -> list[str]:
    """Names of the registered channels, for health pages and error messages."""
    return sorted(_registry)


def configure(settings: Mapping[str, Any]) -> dict[str, Channel]:
    """Build and register every declared channel from the settings it declared.

    Missing settings do not fail here: a channel without its server configured raises a
    permanent ``DeliveryError`` when used, so startup never depends on optional services.
    """
    return {name: register(d.build(settings)) for name, d in discover().items()}
