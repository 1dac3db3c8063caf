"""The admin pages' languages (English and Simplified Chinese) with Flask-Babel.

The catalog ships as ``translations/<locale>/LC_MESSAGES/messages.po``; it is compiled to ``.mo`` when the app
starts, into the app's data folder, so a clean clone needs no build step and a changed ``.po`` takes effect on
the next start. The person's choice lives in their session; without one, the browser's Accept-Language decides.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request, session
from flask_babel import Babel

log = logging.getLogger(__name__)

CATALOGS = Path(__file__).resolve().parent / "translations"
#: What the switch offers: the locale code Flask-Babel uses, the HTML ``lang`` value and the language's own name.
LANGUAGES = {"en": ("en", "English"), "zh_CN": ("zh-CN", "简体中文")}
DEFAULT = "en"
SESSION_KEY = "admin_locale"


def compile_catalogs(target: Path) -> Path:
    """Compile every ``.po`` under ``CATALOGS`` into ``target`` (same layout); returns ``target``."""
    for po_path in CATALOGS.glob("*/LC_MESSAGES/*.po"):
        # Flask-Babel looks the catalog up by Babel's full name of the locale (zh_CN is "zh_Hans_CN").
        locale = str(Locale.parse(po_path.parts[-3]))
        mo_path = target / locale / "LC_MESSAGES" / po_path.with_suffix(".mo").name
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parts[-3])
        partial = mo_path.with_suffix(".mo.part")  # another process starting at once must never read half a file
        with partial.open("wb") as out:
            write_mo(out, catalog)
        partial.replace(mo_path)
    return target


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"], default=DEFAULT)
    return "zh_CN" if best.startswith("zh") else DEFAULT


def current_language() -> str:
    """The locale code of this request (``en`` or ``zh_CN``)."""
    return select_locale()


def init_babel(app: Flask, data_dir: Path) -> None:
    if "babel" in app.extensions:  # the app already has Babel: add our catalog to its directories
        app.extensions["babel"].translation_directories.append(str(compile_catalogs(data_dir / "translations")))
        return
    compiled = compile_catalogs(data_dir / "translations")
    Babel(app, locale_selector=select_locale, default_translation_directories=str(compiled))
