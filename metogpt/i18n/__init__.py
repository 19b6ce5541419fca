"""Every UI string, in English and Russian: the catalog and plain lookups.

`tr(key, lang)` gives plain text for messages built on the server; pages use
`metogpt.state.lang.t(key)`, the reactive text that follows the tab's language.

The catalog is split by area, one module each (`ui.py` for the shared pages, `errors.py`
for service errors, ...); a key defined in two modules stops the import."""

from __future__ import annotations

from metogpt.i18n.account import ACCOUNT
from metogpt.i18n.admin import ADMIN
from metogpt.i18n.chatnav import CHATNAV
from metogpt.i18n.errors import ERRORS
from metogpt.i18n.files import FILES
from metogpt.i18n.keys import KEYS
from metogpt.i18n.payments import PAYMENTS
from metogpt.i18n.plural import form_index, forms
from metogpt.i18n.render import RENDER
from metogpt.i18n.travel import TRAVEL
from metogpt.i18n.ui import UI

LANGS = ("en", "ru")

Catalog = dict[str, tuple[str, str]]


def _merge(*catalogs: Catalog) -> Catalog:
    merged: Catalog = {}
    for catalog in catalogs:
        twice = merged.keys() & catalog.keys()
        if twice:
            raise RuntimeError(f"i18n keys defined twice: {sorted(twice)}")
        merged.update(catalog)
    return merged


MESSAGES: Catalog = _merge(
    UI,
    ERRORS,
    ACCOUNT,
    CHATNAV,
    RENDER,
    ADMIN,
    PAYMENTS,
    KEYS,
    FILES,
    TRAVEL,
)


def normalize_lang(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


def tr(key: str, lang: str | None, **values: object) -> str:
    en, ru = MESSAGES[key]
    text = ru if normalize_lang(lang) == "ru" else en
    return text.format(**values) if values else text


def trn(key: str, n: int, lang: str | None) -> str:
    """The counted text `key` for `n` ("1 user", "5 пользователей"): see plural.py."""
    lang = normalize_lang(lang)
    en, ru = MESSAGES[key]
    return forms(ru if lang == "ru" else en, lang)[form_index(n, lang)].format(n=n)


def error_text(code: str, message: str, lang: str | None) -> str:
    """A service error for a person: the catalog's wording when there is one."""
    key = f"error.{code}"
    return tr(key, lang, message=message) if key in MESSAGES else message
