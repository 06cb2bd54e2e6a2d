"""Money as a person reads it: an ISO 4217 currency per client, amounts formatted with Babel
for the reader's locale ("€12,000.00" in English, "12.000,00 €" in German)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_name, get_territory_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import to_locale
from django.utils.translation.trans_real import parse_accept_lang_header

# Listed first in the currency picker.
USUAL_CURRENCIES = ["EUR", "GBP", "USD", "CHF", "SEK", "NOK", "DKK", "PLN", "CAD", "AUD", "JPY", "SGD", "INR"]


@cache
def current_currencies() -> list[str]:
    """ISO 4217 codes that are legal tender somewhere today (CLDR data, through Babel)."""
    codes: set[str] = set()
    for territory in Locale("en").territories:
        codes.update(get_territory_currencies(territory, timezone.now().date(), tender=True))
    return sorted(codes)


def currency_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    def label(code: str) -> str:
        return f"{code} — {get_currency_name(code, locale='en')}"

    usual = [code for code in USUAL_CURRENCIES if code in current_currencies()]
    rest = [code for code in current_currencies() if code not in usual]
    return [("Usual", [(c, label(c)) for c in usual]), ("All currencies", [(c, label(c)) for c in rest])]


def validate_currency(value: str) -> None:
    if value not in current_currencies():
        raise ValidationError(f"{value!r} is not a current ISO 4217 currency code such as EUR or USD.")


def reader_locale(accept_language: str = "") -> str:
    """The first locale of the reader's Accept-Language that Babel knows; else the site's language."""
    for tag, _ in parse_accept_lang_header(accept_language or ""):
        if tag == "*":
            continue
        try:
            return str(Locale.parse(to_locale(tag)))
        except (UnknownLocaleError, ValueError):
            continue
    return to_locale(settings.LANGUAGE_CODE)


def money(amount: Decimal | int | None, currency: str, *, locale: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency or "EUR", locale=locale)
