"""Money: whole amounts hosts type ("$120", "15,000円"), stored as integers, written per language by Babel.

An amount is an integer in its currency's minor unit (cents for USD; yen have none, so a yen amount is
whole yen), always with its currency code: never a float, so nights x price is exact.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

from bot.text import japanese_number

# The most a host may ask per night, in whole units of the currency (a typo guard, not a business rule).
MAX_WHOLE_AMOUNT = 10_000_000


@dataclass(frozen=True)
class Money:
    minor: int  # in the currency's minor unit (or whole yen)
    currency: str  # ISO 4217 code

    @classmethod
    def whole(cls, amount: int, currency: str) -> Money:
        return cls(amount * 10 ** get_currency_precision(currency), currency)

    def times(self, count: int) -> Money:
        return Money(self.minor * count, self.currency)

    @property
    def value(self) -> Decimal:
        """The amount in whole units, exact (Decimal, never float)."""
        return Decimal(self.minor).scaleb(-get_currency_precision(self.currency))


def example_price(currency: str) -> Money:
    """A believable nightly price to show as an example: 120 of a currency with cents, 15000 of one
    without (yen), so neither reads absurd."""
    return Money.whole(120 if get_currency_precision(currency) else 15000, currency)


# -- writing ----------------------------------------------------------------------------------------------

# Whole amounts are written without ".00" ("$1,200"). Where a language writes a currency after the number
# with its own word, the pattern says so (Japanese writes yen as "15,000円").
_WHOLE_PATTERNS = {("ja", "JPY"): "#,##0円"}
_WHOLE_DEFAULT = "¤#,##0"


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


# Babel takes tens of microseconds a call and a page writes several prices; the same few amounts (a place's
# price, its usual totals) come back text after text, so each is formatted once.
@lru_cache(maxsize=4096)
def format_money(money: Money, language: str) -> str:
    """`$1,200` in English, `15,000円` in Japanese (Babel's CLDR data, not hand-written rules)."""
    locale = _locale(language)
    value = money.value
    if value == value.to_integral_value():
        pattern = _WHOLE_PATTERNS.get((locale.language, money.currency), _WHOLE_DEFAULT)
        return format_currency(value, money.currency, format=pattern, locale=locale, currency_digits=False)
    return format_currency(value, money.currency, locale=locale)


# -- reading ----------------------------------------------------------------------------------------------

# Words and signs that name a currency, as hosts type them (after NFKC: "￥" is "¥", "１２０" is "120").
_CURRENCY_WORDS = {
    "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "ドル": "USD",
    "¥": "JPY", "円": "JPY", "yen": "JPY", "jpy": "JPY",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "ユーロ": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
}
_CURRENCY = re.compile(r"us\$|\$|¥|円|€|£|ドル|ユーロ|\b[a-z]{3,7}\b")
# "per night" in its usual spellings: "/night", "a night", "nightly", "/泊", "1泊".
_PER_NIGHT = re.compile(r"(?:/|\bper\b|\ba\b|\beach\b)?\s*\bnights?\b|\bnightly\b|/\s*nt\b|/?\s*[1一]?\s*泊(?:あたり)?")
_AMOUNT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")
# Words around a price that say nothing about it: "15000円です", "15000円でお願いします", "15,000円（税込）"
# (tax included is the price a guest pays), "一泊" before it.
_AROUND_PRICE = re.compile(r"\(?税込み?\)?|(?:で)?(?:お願いします|お願いいたします|です|ぐらい|くらい)$")
# "15k": thousands, as English speakers write money.
_THOUSANDS = re.compile(r"^(\d{1,4}(?:\.\d)?)k$")


class PriceError(ValueError):
    """Not a price we can take; `key` is the message that says why (with an example)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _currency_of(word: str, wanted: str) -> str | None:
    """Which currency a sign or word names (None: not a currency word). A bare "$" is whichever dollar
    the service charges in, if it charges in one."""
    if word == "$":
        return wanted if "$" in get_currency_symbol(wanted, "en") else "USD"
    if word.upper() == wanted:
        return wanted
    return _CURRENCY_WORDS.get(word)


def parse_price(text: str, currency: str) -> Money:
    """A whole nightly price in `currency`: "120", "$120", "120/night", "¥15000", "15,000円", "15000 yen".
    Raises PriceError("price_invalid") for anything else, ("price_currency") for another currency."""
    normal = unicodedata.normalize("NFKC", text).lower().strip().rstrip(".!。")
    normal = _PER_NIGHT.sub(" ", normal)
    named: set[str] = set()

    def take(match: re.Match[str]) -> str:
        found = _currency_of(match.group(0), currency)
        if found is None:
            return match.group(0)  # some other word: it stays, and makes the text unreadable as a price
        named.add(found)
        return " "

    rest = _AROUND_PRICE.sub("", "".join(_CURRENCY.sub(take, _AROUND_PRICE.sub("", normal)).split()))
    whole = _whole_amount(rest)
    if whole is None:
        raise PriceError("price_invalid")
    if named - {currency}:
        raise PriceError("price_currency")
    if not 1 <= whole <= MAX_WHOLE_AMOUNT:
        raise PriceError("price_invalid")
    return Money.whole(whole, currency)


def _whole_amount(written: str) -> int | None:
    """"15000", "15,000", "120.00", "15k", "一万五千", "1.5万" as a whole amount; None for anything else
    (cents included: prices are whole amounts)."""
    match = _AMOUNT.match(written)
    if match is not None:
        return None if match.group(2) and int(match.group(2)) else int(match.group(1).replace(",", ""))
    thousands = _THOUSANDS.match(written)
    if thousands is not None:
        return int(Decimal(thousands.group(1)) * 1000)
    return japanese_number(written)


def plausible(price: Money) -> bool:
    """A nightly price a host likely meant: within a factor of the currency's example price (15,000円,
    $120) either way. 1,500,000円 or $15,000 a night is asked back before it is taken, not refused."""
    example = example_price(price.currency).minor
    return example // _PLAUSIBLE_FACTOR <= price.minor <= example * _PLAUSIBLE_FACTOR


# How far from the example price (15,000円, $120) a price may be before it is asked back: $2 to $6,000,
# 150円 to 750,000円 a night are taken at once.
_PLAUSIBLE_FACTOR = 50
