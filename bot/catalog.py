"""The message catalog: every word the bot says, from `messages/<lang>.yaml`, rendered with Jinja2.

Templates are compiled by a sandboxed environment with StrictUndefined, so a template can never reach
into Python objects and a missing variable is an error at validation time, not `{{ name }}` in a guest's
phone. User-supplied values are only ever passed as variables, never compiled.

`validate_catalog` is the one validation: start-up, `python run.py check` and hot reload all use it, so a
catalog that serves is a catalog that passed every check.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Macro
from jinja2.sandbox import SandboxedEnvironment

from bot.dates import needs_year
from bot.money import Money, format_money
from bot.registry import REGISTRY, SAMPLE_TODAY, MessageSpec, realistic

log = logging.getLogger(__name__)

# Twilio refuses a body over this many characters.
MAX_CHARACTERS = 1600

# -- SMS sizes ------------------------------------------------------------------------------------------

# GSM 03.38: the 7-bit default alphabet (ESC, 0x1B, is left out: it introduces the extension table) ...
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# ... and its extension table: each of these costs two septets (ESC + the character).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class SmsSize:
    characters: int
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    non_gsm: str  # the characters that forced UCS-2, in order of appearance (empty for GSM-7)


def _segments(units: list[int], single: int, multi: int) -> int:
    """Segments for a message: one if it fits `single`, else parts of `multi` units, never splitting a
    character (a GSM-7 escape pair or a UTF-16 surrogate pair) across two parts."""
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for unit in units:
        if used + unit > multi:
            segments, used = segments + 1, 0
        used += unit
    return segments


_GSM7 = GSM7_BASIC | GSM7_EXTENSION
_BMP_END = "\uffff"


def sms_segments(text: str) -> int:
    """`sms_size(text).segments`, counted without a per-character pass where every character is one unit
    (no GSM-7 escape, no UTF-16 surrogate pair): then no character can straddle two parts. Pages are
    measured on every render (`bot.pages.fit_page`), and this is the case nearly every time."""
    characters = set(text)
    length = len(text)
    if characters <= GSM7_BASIC:
        return 1 if length <= 160 else -(-length // 153)
    if not characters <= _GSM7 and max(characters) <= _BMP_END:
        return 1 if length <= 70 else -(-length // 67)
    return sms_size(text).segments


def sms_size(text: str) -> SmsSize:
    """How a carrier sends `text`: GSM-7 (160 per SMS, 153 per part) unless any character is outside the
    GSM-7 tables, then UCS-2 for the whole message (70 per SMS, 67 per part)."""
    non_gsm = "".join(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    if not non_gsm:
        units = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SmsSize(len(text), "GSM-7", sum(units), _segments(units, 160, 153), "")
    units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsSize(len(text), "UCS-2", sum(units), _segments(units, 70, 67), non_gsm)


# -- the Jinja environment --------------------------------------------------------------------------------


# English month abbreviations, as `%b` gives them in the C locale, without strftime's cost or its
# dependence on the process locale.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The render variable that carries the texter's today (`Catalog.render(..., today=)`), so the date filters
# write a year exactly when a date is not in the current year. Not a template variable: templates that
# name it fail validation like any variable the code does not pass.
TODAY = "_today"


def _other_year(context: Context, value: date) -> bool:
    """The year is written for a date not in the reader's year (or read back as another: `needs_year`)."""
    today = context.get(TODAY)
    return isinstance(today, date) and needs_year(value, today)


@pass_context
def _day(context: Context, value: date) -> str:
    """Dates as an English texter writes them: "Dec 20", "Jan 2, 2027" when not this year."""
    written = f"{_MONTHS[value.month - 1]} {value.day}"
    return f"{written}, {value.year}" if _other_year(context, value) else written


@pass_context
def _stay(context: Context, check_in: date, check_out: date) -> str:
    """A stay as short as it reads: "Dec 20-23" within a month, "Dec 30-Jan 2" across months; the year after
    the stay when it is not this year ("Jan 2-4, 2027", "Dec 30-Jan 2, 2027"), and after check-in too when
    that is in another year still ("Dec 30, 2027-Jan 2, 2028")."""
    start = f"{_MONTHS[check_in.month - 1]} {check_in.day}"
    if check_in.year != check_out.year and _other_year(context, check_in):
        start += f", {check_in.year}"
    if (check_in.year, check_in.month) == (check_out.year, check_out.month):
        end = str(check_out.day)
    else:
        end = f"{_MONTHS[check_out.month - 1]} {check_out.day}"
    return f"{start}-{end}, {check_out.year}" if _other_year(context, check_out) else f"{start}-{end}"


@pass_context
def _day_ja(context: Context, value: date) -> str:
    """Japanese dates: "12月20日", "2027年1月2日" when not this year."""
    written = f"{value.month}月{value.day}日"
    return f"{value.year}年{written}" if _other_year(context, value) else written


def _stay_ja_sides(context: Context, check_in: date, check_out: date) -> tuple[str, str]:
    start = f"{check_in.month}月{check_in.day}日"
    if _other_year(context, check_in):
        start = f"{check_in.year}年{start}"
    if (check_in.year, check_in.month) == (check_out.year, check_out.month):
        return start, f"{check_out.day}日"
    end = f"{check_out.month}月{check_out.day}日"
    if check_out.year != check_in.year and _other_year(context, check_out):
        end = f"{check_out.year}年{end}"
    return start, end


@pass_context
def _stay_ja(context: Context, check_in: date, check_out: date) -> str:
    """A stay in Japanese: "12月20日〜23日" within a month, "12月30日〜1月2日" across months; the year before
    a date that is not in this year, once per year ("2027年1月2日〜4日", "12月30日〜2027年1月2日")."""
    return "〜".join(_stay_ja_sides(context, check_in, check_out))


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_JA = "月火水木金土日"


# Dates shown back with their weekdays, where a guest checks what was read from "next weekend" or "the
# 20th": each day whole ("Fri Dec 11-Sun Dec 13"), so each weekday sits next to its own date. The parser
# reads these forms back (and checks the weekdays).


@pass_context
def _day_wd(context: Context, value: date) -> str:
    """"Fri Dec 11", "Sat Jan 2, 2027" when not this year."""
    return f"{_WEEKDAYS[value.weekday()]} {_day(context, value)}"


@pass_context
def _stay_wd(context: Context, check_in: date, check_out: date) -> str:
    """"Fri Dec 11-Sun Dec 13"; the year after the stay when it is not this year ("Fri Jan 8-Sun Jan 10,
    2027"), and after check-in too when that is in another year still."""
    start = f"{_WEEKDAYS[check_in.weekday()]} {_MONTHS[check_in.month - 1]} {check_in.day}"
    if check_in.year != check_out.year and _other_year(context, check_in):
        start += f", {check_in.year}"
    return f"{start}-{_day_wd(context, check_out)}"


@pass_context
def _day_ja_wd(context: Context, value: date) -> str:
    """"12月11日(金)", "2027年1月2日(土)" when not this year."""
    return f"{_day_ja(context, value)}({_WEEKDAYS_JA[value.weekday()]})"


@pass_context
def _stay_ja_wd(context: Context, check_in: date, check_out: date) -> str:
    """"12月11日(金)〜13日(日)", "12月30日(水)〜1月2日(土)": `stay_ja` with each weekday after its day."""
    start, end = _stay_ja_sides(context, check_in, check_out)
    return f"{start}({_WEEKDAYS_JA[check_in.weekday()]})〜{end}({_WEEKDAYS_JA[check_out.weekday()]})"


def _weekday(value: date) -> str:
    return _WEEKDAY_NAMES[value.weekday()]


def _weekday_ja(value: date) -> str:
    return f"{_WEEKDAYS_JA[value.weekday()]}曜日"


# Attribute names a dict has itself: `item.items` in a template still means the method, as in Jinja.
_DICT_ATTRIBUTES = frozenset(dir(dict))


# What one render may compute (`_Environment`): a text is at most an SMS, so nothing a template needs comes
# near these; they stop a template saved in the console from holding every conversation up.
MAX_TEXT = 10_000  # characters (or items) one operation may make (a texter's words are at most 1,600)
MAX_OUTPUT = 20_000  # characters one render may write (a text is cut to 1,600 after it anyway)
MAX_BITS = 4096  # bits of a whole number one operation may make
MAX_LOOP_STEPS = 1000  # iterations of all the loops (and macro calls) of one render together
# A number in a %-format (a width, a precision) that makes more than MAX_TEXT characters.
_WIDE_FORMAT = re.compile(r"%[-#0 +]*(\d+)?(?:\.(\d+))?")
# Text methods that make a longer text from a number they are given.
_WIDENING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map"})


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what} is more than a message needs (templates are limited to texts of "
                         f"{MAX_OUTPUT:,} characters, numbers of {MAX_BITS} bits and {MAX_LOOP_STEPS:,} loop steps)")


def _bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def _check_format(template: str) -> None:
    for width, precision in _WIDE_FORMAT.findall(template):
        if int(width or 0) > MAX_TEXT or int(precision or 0) > MAX_TEXT:
            raise _too_big("a %-format that wide")


def _bounded_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, a result larger than a render may make."""
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        if max(_bits(left), 1) * right > MAX_BITS:
            raise _too_big("that power")
    elif operator == "*":
        if (_length(left) or 0) * (right if isinstance(right, int) else 0) > MAX_TEXT or \
                (_length(right) or 0) * (left if isinstance(left, int) else 0) > MAX_TEXT:
            raise _too_big("that repetition")
        if _bits(left) + _bits(right) > MAX_BITS:
            raise _too_big("that product")
    elif operator == "+" and (_length(left) or 0) + (_length(right) or 0) > MAX_TEXT:
        raise _too_big("that text")
    elif operator == "%" and isinstance(left, str):
        _check_format(left)


class OutOfTime(BaseException):
    """A render under `time_limit` went past it. A BaseException: nothing that reports a template's own
    error (validation catches Exception) takes it for one; it ends the whole validation."""


_DEADLINE = threading.local()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Renders in this thread raise OutOfTime once `seconds` have passed: checked at every loop step,
    macro call and piece of text written, each of which the bounds above keep short."""
    _DEADLINE.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _DEADLINE.at = None


def _in_time() -> None:
    at = getattr(_DEADLINE, "at", None)
    if at is not None and time.monotonic() > at:
        raise OutOfTime


def _step(context: Context) -> None:
    """One more loop step or macro call of this render (the two share one budget)."""
    _in_time()
    steps = getattr(context, "_loop_steps", 0) + 1
    if steps > MAX_LOOP_STEPS:
        raise _too_big("a loop that long")
    context._loop_steps = steps  # type: ignore[attr-defined]


@pass_context
def _counted(context: Context, iterable: Any) -> Iterator[Any]:
    """Every loop's iterable goes through this (`_Environment._parse`): the steps of all loops of one
    render together are counted, so loops in loops cannot run for minutes."""
    for item in iterable:
        _step(context)
        yield item


def _check_replace(text: str, args: tuple[Any, ...]) -> None:
    """`text.replace(old, new)` makes at most len(text) + 1 copies of `new` (an empty `old` matches
    between every two characters)."""
    old, new = [*args, "", ""][:2]
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old) and \
            (len(text) + 1) * len(new) > MAX_TEXT:
        raise _too_big("that replacement")


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_TEXT:
        raise _too_big("that range")
    return numbers


def _bounded_concat(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise _too_big("that text")
    return value


def _limited(pieces: Iterable[str]) -> Iterator[str]:
    written = 0
    for piece in pieces:
        _in_time()
        written += len(piece)
        if written > MAX_OUTPUT:
            raise _too_big("a text that long")
        yield piece


class _Template(Template):
    """A template whose text is measured as it is written: a render stops at MAX_TEXT characters."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = self.new_context(dict(*args, **kwargs))
        try:
            return self.environment.concat(_limited(self.root_render_func(context)))
        except Exception:
            self.environment.handle_exception()
        raise AssertionError("handle_exception raises")  # pragma: no cover


class _Environment(SandboxedEnvironment):
    """Jinja's sandbox, bounded (no power, repetition, format width, range, loop or joined text beyond
    what a message could need: a SecurityError instead, as for any unsafe operation), with two shortcuts on
    what every render does, giving the same results:

    - a template's globals are one plain dict rather than a ChainMap over the environment's, which each
      render copies into its context key by key in Python (a missed key raising KeyError in the first
      map); nothing changes the globals after a template is compiled;
    - `item.price` on a dict (the items of a page, a stay's parts) reads the key at once, where Jinja
      first tries an attribute and pays for the AttributeError before reading it.
    """

    intercepted_binops = frozenset({"**", "*", "+", "%"})
    template_class = _Template

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _bounded_range
        self.filters[_COUNTED] = _counted
        self.filters[_JOINED] = _bounded_concat
        for name in ("center", "indent", "format", "wordwrap"):
            self.filters[name] = _bounded_filter(self.filters[name])

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _bounded_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _WIDENING_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        if isinstance(obj, Macro):
            _step(context)  # a macro calling itself twice is a loop too
        if getattr(obj, "__name__", None) == "replace" and isinstance(getattr(obj, "__self__", None), str):
            _check_replace(obj.__self__, args)
        return super().call(context, obj, *args, **kwargs)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop counts its steps and every joined text (`~`) is measured (see `_counted`)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _COUNTED, [], [], None, None, lineno=loop.iter.lineno)
        for joined in list(tree.find_all(nodes.Concat)):
            _measure(tree, joined)
        return tree

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj and attribute not in _DICT_ATTRIBUTES:
            return obj[attribute]
        return super().getattr(obj, attribute)


_COUNTED = "_airtng_counted"
_JOINED = "_airtng_joined"


def _measure(tree: nodes.Node, joined: nodes.Concat) -> None:
    """Wrap the `~` expression `joined` where it sits in `tree` in the filter that measures it."""
    measured = nodes.Filter(joined, _JOINED, [], [], None, None, lineno=joined.lineno)
    for parent in [tree, *tree.find_all(nodes.Node)]:
        for field_name in parent.fields:
            value = getattr(parent, field_name, None)
            if value is joined:
                setattr(parent, field_name, measured)
                return
            if isinstance(value, list) and any(item is joined for item in value):
                value[[item is joined for item in value].index(True)] = measured
                return


def _bounded_filter(original: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that widens text (center, indent, format, wordwrap) refusing numbers past MAX_TEXT."""

    def bounded(value: Any, *args: Any, **kwargs: Any) -> Any:
        if original.__name__ == "do_format" and isinstance(value, str):
            _check_format(value)
        numbers = [arg for arg in (*args, *kwargs.values()) if isinstance(arg, int)]
        if any(number > MAX_TEXT for number in numbers):
            raise _too_big("that width")
        return original(value, *args, **kwargs)

    bounded.__name__ = original.__name__
    return bounded


def make_environment(language: str = "en") -> SandboxedEnvironment:
    """The environment one locale file's templates are compiled in: its filters write in that language."""
    env = _Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["day"] = _day
    env.filters["stay"] = _stay  # {{ check_in|stay(check_out) }}
    env.filters["money"] = partial(_money, language=language)  # {{ price|money }}: $1,200 / 15,000円
    env.filters["day_ja"] = _day_ja
    env.filters["stay_ja"] = _stay_ja  # {{ check_in|stay_ja(check_out) }}
    env.filters["day_wd"] = _day_wd  # {{ day|day_wd }}: Fri Dec 11
    env.filters["stay_wd"] = _stay_wd  # {{ check_in|stay_wd(check_out) }}: Fri Dec 11-Sun Dec 13
    env.filters["day_ja_wd"] = _day_ja_wd  # 12月11日(金)
    env.filters["stay_ja_wd"] = _stay_ja_wd  # 12月11日(金)〜13日(日)
    env.filters["weekday"] = _weekday  # Friday
    env.filters["weekday_ja"] = _weekday_ja  # 金曜日
    return env


def _money(value: Money, language: str) -> str:
    return format_money(value, language)


# -- reading locale files ---------------------------------------------------------------------------------


def shown(path: Path) -> Path:
    """A path as an operator reads it: relative to the working directory when under it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


@dataclass(frozen=True)
class Problem:
    level: str  # "ERROR" or "WARNING"
    path: Path
    line: int | None
    key: str | None
    text: str

    def __str__(self) -> str:
        where = f"{shown(self.path)}:{self.line}" if self.line else str(shown(self.path))
        return f"{self.level} {where}: {self.key + ': ' if self.key else ''}{self.text}"


@dataclass(frozen=True)
class Alternative:
    source: str
    line: int  # where the text starts in the file
    literal: bool  # a `|` block: template line n is file line `line + n - 1`
    lines: tuple[str, ...] = ()  # the file's lines from `line` to the text's end, as written

    def line_of(self, found: Callable[[str], bool]) -> int:
        """The file line of the first of the text's lines where `found` holds (its first line otherwise)."""
        return next((self.line + n for n, text in enumerate(self.lines) if found(text)), self.line)


@dataclass
class LocaleFile:
    language: str
    path: Path
    texts: dict[str, list[Alternative]] = field(default_factory=dict)  # key -> alternatives
    lines: dict[str, int] = field(default_factory=dict)
    readable: bool = True  # False after a YAML error: its keys are unknown, not missing


def _text_start(node: yaml.Node) -> tuple[int, bool]:
    style = getattr(node, "style", None)
    block = style in ("|", ">")
    return node.start_mark.line + 1 + (1 if block else 0), style == "|"


def _yaml_line(exc: yaml.MarkedYAMLError, offset: int = 0) -> int | None:
    """The line an operator must fix. A quote, bracket or key left open is where it was opened (the context
    mark); the parser notices only lines later, where its problem mark points. Otherwise the problem mark."""
    opened = exc.context or ""
    mark = exc.context_mark if opened.startswith(("while scanning", "while parsing a flow")) else None
    mark = mark or exc.problem_mark or exc.context_mark
    return mark.line + 1 + offset if mark else None


_NOT_AN_ENTRY = "this line is neither `key: text` nor indented under a key (a text's lines are indented)"


def _starts_quoted(line: str) -> bool:
    """`key: "...`, `key: [...`, `key: {...`: a text YAML reads as quoted or as a list or mapping."""
    _, colon, value = line.partition(":")
    return bool(colon) and value.strip()[:1] in ('"', "'", "[", "{")


def _yaml_words(exc: yaml.MarkedYAMLError, line: str) -> str:
    """The parser's complaint in an operator's words, for the mistakes made when editing texts. `line`: the
    file's line it names."""
    context, problem = exc.context or "", exc.problem or ""
    if context.startswith("while scanning a quoted scalar"):
        return "a quote opened on this line is not closed (or a quote inside a quoted text is not doubled)"
    if "flow" in context:
        return ("a `[` or `{` opened on this line is not closed: a text that starts with `[`, `{` or `{{` must "
                "be quoted or start on the next line after `>-`")
    if problem.startswith("mapping values are not allowed"):
        return "`: ` inside a text: start the text on the next line after `>-`, or put it in quotes"
    if context.startswith("while scanning a simple key") or problem.startswith("could not find expected ':'"):
        return _NOT_AN_ENTRY
    if "'\\t'" in problem:
        return "a tab character: indent with spaces"
    if problem.startswith("expected <block end>") and _starts_quoted(line):
        return ("more text after a quoted or bracketed start: a text that starts with a quote, `[` or `{` must "
                "be quoted whole, or start on the next line after `>-`")
    if problem.startswith("expected <block end>"):
        return "this line is not indented like the lines around it"
    return " ".join(part for part in (context, problem) if part)


def _top_level_entries(source: str) -> list[tuple[int, str]]:
    """The file cut before each line that starts at the left margin (a key, as these files are written):
    (index of its first line, its text)."""
    lines = source.splitlines()
    starts = [n for n, line in enumerate(lines) if line[:1] not in ("", " ", "\t", "#")] or [0]
    if starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(lines)]
    return [(start, "\n".join(lines[start:end])) for start, end in pairwise(bounds)]


def _yaml_error(source: str, exc: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """Where and what a YAML error is. A text whose quote is never closed runs on into the next keys and the
    parser fails far below it, so the entries are read one by one: the first that is not a `key: text` on
    its own is the one to fix."""
    lines = source.splitlines()
    for start, text in _top_level_entries(source):
        try:
            entry = yaml.safe_load(text)
        except yaml.MarkedYAMLError as alone:
            line = _yaml_line(alone, start)
            return line, _yaml_words(alone, lines[line - 1] if line else "")
        except yaml.YAMLError:
            break
        if entry is not None and not isinstance(entry, dict):
            return start + 1, _NOT_AN_ENTRY
    line = _yaml_line(exc)
    return line, _yaml_words(exc, lines[line - 1] if line and line <= len(lines) else "")


def read_locale(path: Path, data: bytes | None = None) -> tuple[LocaleFile, list[Problem]]:
    """Parse one locale file (`data`: its bytes, if already read); returns it with the problems found (YAML
    errors, duplicate keys, values that are not texts)."""
    locale = LocaleFile(path.stem, path, readable=False)
    try:
        source = path.read_text(encoding="utf-8") if data is None else data.decode("utf-8")
        source_lines = source.splitlines()
        loader = yaml.SafeLoader(source)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line, what = _yaml_error(source, exc)
        return locale, [Problem("ERROR", path, line, None, f"YAML: {what}")]
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        return locale, [Problem("ERROR", path, None, None, f"cannot read: {exc}")]
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + 1 if root is not None else 1
        return locale, [Problem("ERROR", path, line, None, "the file must map message keys to texts")]
    locale.readable = True
    problems: list[Problem] = []
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not key:
            problems.append(Problem("ERROR", path, line, None, "a message key must be a plain word"))
            continue
        if key in locale.lines:
            problems.append(Problem("ERROR", path, line, key, f"defined twice (also on line {locale.lines[key]})"))
            continue
        locale.lines[key] = line
        items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        alternatives: list[Alternative] = []
        for item in items:
            text = loader.construct_object(item, deep=True) if isinstance(item, yaml.ScalarNode) else None
            if not isinstance(text, str) or not text.strip():
                alternatives = []
                break
            start, literal = _text_start(item)
            written = tuple(source_lines[start - 1:max(item.end_mark.line + 1, start)])
            alternatives.append(Alternative(text.rstrip("\n"), start, literal, written))
        if not alternatives:
            problems.append(Problem("ERROR", path, line, key, "must be a text or a list of texts, none empty"))
            continue
        locale.texts[key] = alternatives
    return locale, problems


# -- the catalog ------------------------------------------------------------------------------------------


class Catalog:
    """Compiled templates per language, falling back to the default language for a missing key."""

    def __init__(self, templates: Mapping[str, Mapping[str, list[Template]]], default_language: str,
                 rng: random.Random | None = None) -> None:
        self._templates = templates
        self.default_language = default_language
        self._random = rng or random.Random()

    @property
    def languages(self) -> list[str]:
        return sorted(self._templates)

    def has_language(self, language: str) -> bool:
        return language in self._templates

    def has(self, key: str, language: str) -> bool:
        return key in self._templates.get(language, {})

    def render(self, key: str, language: str | None = None, **variables: Any) -> str:
        """The text of `key` in `language` (else the default one), its dates written without years."""
        return self.render_on(None, key, language, **variables)

    def render_on(self, today: date | None, key: str, language: str | None = None, **variables: Any) -> str:
        """`render` for a reader whose date is `today`: the date filters write the year of any date not in
        today's year."""
        if today is not None:
            variables[TODAY] = today
        wanted = language if language is not None and language in self._templates else self.default_language
        alternatives = self._templates[wanted].get(key) or self._templates[self.default_language][key]
        template = alternatives[0] if len(alternatives) == 1 else self._random.choice(alternatives)
        try:
            return template.render(**variables).strip()
        except Exception:
            # Validation rendered this template with the registry's samples; real values of another shape
            # must still not cost the texter their answer. The default language is the last resort.
            if wanted == self.default_language:
                raise
            log.exception("message %s in %s failed to render; sending the %s text", key, wanted,
                          self.default_language)
            return self.render_on(None, key, self.default_language, **variables)


class CatalogHolder:
    """The catalog in force; hot reload swaps `current` only for a catalog that passed validation."""

    def __init__(self, catalog: Catalog, problem: str | None = None) -> None:
        self.current = catalog
        # Why the files on disk are not what is served (start-up fell back to the last good copy), or None.
        self.problem = problem

    def __call__(self) -> Catalog:
        return self.current


class CatalogError(Exception):
    """The catalog failed validation; `report` lists every problem with file and line."""

    def __init__(self, report: list[str]) -> None:
        super().__init__("\n".join(report))
        self.report = report


# -- validation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """One template (one alternative of a key) rendered with the registry's sample values."""

    language: str
    key: str
    alternative: int  # 1-based; 0 when the key has a single text
    path: Path
    line: int
    text: str
    size: SmsSize
    one_sms: bool = False  # an everyday message: over one SMS is an error (registry `one_sms`)
    samples: str = ""  # the sample values the template uses, as `check` lists them
    # An everyday message rendered with realistic values (`registry.realistic`): its size (None for others).
    realistic: SmsSize | None = None

    @property
    def over_one_sms(self) -> bool:
        return self.size.segments > 1

    @property
    def over_long_everyday(self) -> bool:
        """An everyday message that takes more than one SMS with realistic values (a warning, not an error:
        `run.py check` lists them, and a test pins the list so that it does not grow)."""
        return self.realistic is not None and self.realistic.segments > 1


@dataclass
class Validation:
    catalog: Catalog | None
    problems: list[Problem] = field(default_factory=list)
    rendered: list[Rendered] = field(default_factory=list)
    locales: list[LocaleFile] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "ERROR"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "WARNING"]

    @property
    def report(self) -> list[str]:
        return [str(p) for p in self.problems]

    def over_long_everyday(self) -> list[tuple[str, str]]:
        """(language, key) of every everyday message over one SMS with realistic values."""
        return sorted({(row.language, row.key) for row in self.rendered if row.over_long_everyday})

    def costly(self, path: Path) -> list[Rendered]:
        """The messages of one locale file that take more than one SMS but are allowed to (not everyday
        ones: those are errors): what an operator pays extra for, shown by `check` and the console."""
        return [row for row in self.rendered if row.path == path and row.over_one_sms and not row.one_sms]


def written_samples(variables: Mapping[str, Any], names: Iterable[str], language: str) -> str:
    """The sample values a template uses, as an operator reads them: `guest="Maria", check_in=2026-12-20`."""
    def written(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, Money):
            return format_money(value, language)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            return f'"{value}"'
        if isinstance(value, list):
            return f"{len(value)} item(s)"
        return str(value)

    return ", ".join(f"{name}={written(variables[name])}" for name in names if name in variables)


def _sample_sets(variables: dict[str, Any]) -> list[dict[str, Any]]:
    """The samples, and the samples with each yes/no variable flipped (so both branches of an `if` run)."""
    sets = [variables]
    for name, value in variables.items():
        if isinstance(value, bool):
            sets.append({**variables, name: not value})
    return sets


# Template tags an operator may leave open, with what closes them.
_TAGS = (("{{", "}}"), ("{%", "%}"), ("{#", "#}"))


def _unclosed(source: str) -> tuple[str, str] | None:
    """The tag left open in a template (opener, closer), if any."""
    for opener, closer in _TAGS:
        if source.count(opener) > source.count(closer):
            return opener, closer
    return None


def _opened_on(alt: Alternative, opener: str, closer: str) -> int:
    """The file line of the tag that is never closed: the last one opened while none was open."""
    depth, line = 0, alt.line
    for n, text in enumerate(alt.lines):
        for position in range(len(text) - 1):
            pair = text[position:position + 2]
            if pair == opener:
                line = alt.line + n if depth == 0 else line
                depth += 1
            elif pair == closer:
                depth = max(depth - 1, 0)
    return line


def _syntax_problem(exc: TemplateSyntaxError, alt: Alternative) -> tuple[int, str]:
    """Jinja's parser speaks of tokens ("expected token 'end of print statement'"); the usual cause, a tag
    left open, is said in plain words instead, on the line where the tag was opened."""
    unclosed = _unclosed(alt.source)
    if unclosed is not None:
        opener, closer = unclosed
        return _opened_on(alt, opener, closer), f"`{opener}` is not closed (a `{closer}` is missing)"
    line = alt.line + (exc.lineno - 1 if alt.literal else 0)
    return line, str(exc.message)


def _variables(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return f"it can use: {listed}" if listed else "it has no variables"


def _unknown_variables(unknown: list[str], spec_variables: Iterable[str]) -> str:
    named = ", ".join(f"`{name}`" for name in unknown)
    verb = "is not a variable" if len(unknown) == 1 else "are not variables"
    return f"{named} {verb} of this message; {_variables(spec_variables)} (docs/messages.md)"


ProblemAt = Callable[..., Problem]


def _check_template(env: SandboxedEnvironment, locale: LocaleFile, key: str, alt: Alternative, index: int,
                    warn_segments: int, page_segments: int) -> tuple[Template | None, list[Problem], Rendered | None]:
    spec = REGISTRY[key]
    path = locale.path

    def problem(level: str, text: str, line: int | None = None) -> Problem:
        return Problem(level, path, line or alt.line, key + (f"[{index}]" if index else ""), text)

    compiled = _compile(env, spec, alt, problem)
    if isinstance(compiled, Problem):
        return None, [compiled], None
    template, uses, texts = compiled
    text = texts[0]
    size = sms_size(text)
    used = written_samples(spec.variables, uses, locale.language)
    problems = [*_size_problems(texts, size, warn_segments, problem),
                *_everyday_problems(template, spec, size, used, page_segments, problem)]
    real = _realistic_size(template, spec, locale.language) if spec.one_sms else None
    if real is not None and real.segments > 1:
        problems.append(problem("WARNING", f"an everyday message over one SMS with realistic values (40-character "
                                           f"title, 10-character names, a stay across New Year, yen): "
                                           f"{real.segments} segments ({real.encoding}, {real.characters} "
                                           f"characters)"))
    return template, problems, Rendered(locale.language, key, index, path, alt.line, text, size, spec.one_sms,
                                        used, real)


def _compile(env: SandboxedEnvironment, spec: MessageSpec, alt: Alternative,
             problem: ProblemAt) -> tuple[Template, list[str], list[str]] | Problem:
    """The template, the variables it uses and its texts with each set of samples; or the one problem that
    stops it there (its syntax, a variable the message does not have, a failure with the samples)."""
    try:
        parsed = env.parse(alt.source)
    except TemplateSyntaxError as exc:
        line, what = _syntax_problem(exc, alt)
        return problem("ERROR", f"template syntax: {what}", line)
    named = meta.find_undeclared_variables(parsed)
    unknown = sorted(named - set(spec.variables))
    if unknown:
        line = alt.line_of(lambda text: any(re.search(rf"\b{re.escape(name)}\b", text) for name in unknown))
        return problem("ERROR", _unknown_variables(unknown, spec.variables), line)
    template = env.from_string(alt.source)
    texts: list[str] = []
    for samples in _sample_sets(spec.variables):
        try:
            texts.append(template.render(**samples, **{TODAY: SAMPLE_TODAY}).strip())
        except Exception as exc:  # a template bug must be caught here, never in a conversation
            return problem("ERROR", f"fails with the sample values: {type(exc).__name__}: {exc};"
                                    f" {_variables(spec.variables)}")
    return template, sorted(named & set(spec.variables)), texts


def _size_problems(texts: list[str], size: SmsSize, warn_segments: int, problem: ProblemAt) -> list[Problem]:
    """Too long for Twilio, empty, over the segments operators want, or made UCS-2 by a stray character or
    three (`size` is the first text's)."""
    problems: list[Problem] = []
    longest = max(len(t) for t in texts)
    if longest > MAX_CHARACTERS:
        problems.append(problem("ERROR", f"{longest} characters with the samples; Twilio refuses over "
                                         f"{MAX_CHARACTERS}"))
    if not texts[0]:
        problems.append(problem("ERROR", "renders as an empty text with the sample values"))
    if size.segments > warn_segments:
        problems.append(problem("WARNING", f"{size.segments} SMS segments ({size.encoding}, {size.characters} "
                                           f"characters), over messages.warn_segments = {warn_segments}"))
    if size.encoding == "UCS-2" and len(size.non_gsm) <= 3:
        plain = "".join(ch for ch in texts[0] if ch not in size.non_gsm)
        if sms_size(plain).segments < size.segments:
            shown = " ".join(repr(ch) for ch in size.non_gsm)
            problems.append(problem("WARNING", f"{shown} make(s) the whole SMS UCS-2: {size.segments} segments "
                                               f"instead of {sms_size(plain).segments}"))
    return problems


def _everyday_problems(template: Template, spec: MessageSpec, size: SmsSize, used: str, page_segments: int,
                       problem: ProblemAt) -> list[Problem]:
    """An everyday message over one SMS with the samples; a page over its budget (an everyday page: one SMS)."""
    problems: list[Problem] = []
    if spec.one_sms and spec.page is None and size.segments > 1:
        problems.append(problem("ERROR", f"an everyday message must fit one SMS: {size.segments} segments "
                                         f"({size.encoding}, {size.characters} characters) with {used}"))
    if spec.page is not None:
        problems += _check_page(template, spec.page, spec.variables, page_segments, problem)
        if spec.one_sms:
            problems += _check_page(template, spec.page, spec.variables, 1, problem, everyday=True)
    return problems


def _realistic_size(template: Template, spec: MessageSpec, language: str) -> SmsSize:
    """The size of an everyday message with realistic values (`registry.realistic`); a page with its longest
    item alone, MORE offered."""
    values = realistic(spec.variables, language)
    if spec.page is None:
        return sms_size(template.render(**values, **{TODAY: SAMPLE_TODAY}).strip())
    sizes = [sms_size(template.render(**{**values, spec.page: [item], "more": True, TODAY: SAMPLE_TODAY}).strip())
             for item in values[spec.page]]
    return max(sizes, key=lambda size: size.units)


def _check_page(template: Template, items_name: str, samples: dict[str, Any], page_segments: int,
                problem: Callable[[str, str], Problem], everyday: bool = False) -> list[Problem]:
    """A page shows as many items as fit `page_segments`, and at least one: the template must fit its
    budget with its longest sample item alone, with MORE offered. An everyday page must fit one SMS so."""
    worst, worst_size = 0, None
    for item in samples[items_name]:
        text = template.render(**{**samples, items_name: [item], "more": True, TODAY: SAMPLE_TODAY}).strip()
        size = sms_size(text)
        if size.segments > worst:
            worst, worst_size = size.segments, size
    if worst <= page_segments or worst_size is None:
        return []
    if everyday:
        return [problem("ERROR", f"an everyday page must fit one SMS with one item: {worst} segments "
                                 f"({worst_size.encoding}, {worst_size.characters} characters) with its "
                                 f"longest sample item")]
    return [problem("ERROR", f"a page of one item takes {worst} SMS segments with the samples, over "
                             f"messages.page_segments = {page_segments}")]


def compile_locales(locales: list[LocaleFile], default_language: str, warn_segments: int = 2,
                    page_segments: int = 2) -> Validation:
    """Validate and compile every locale; `catalog` is None when there is any error."""
    result = Validation(None, locales=locales)
    compiled: dict[str, dict[str, list[Template]]] = {}
    by_language = {loc.language: loc for loc in locales}
    if default_language not in by_language:
        folder = locales[0].path.parent if locales else Path()
        result.problems.append(Problem("ERROR", folder / f"{default_language}.yaml", None, None,
                                       "the default language has no file"))
    for locale in locales:
        env = make_environment(locale.language)
        compiled[locale.language] = {}
        for key, alternatives in locale.texts.items():
            if key not in REGISTRY:
                result.problems.append(Problem("WARNING", locale.path, locale.lines[key], key,
                                               "not used by the code (unknown key: a typo?)"))
                continue
            templates: list[Template] = []
            for index, alt in enumerate(alternatives, start=1):
                template, problems, rendered = _check_template(
                    env, locale, key, alt, index if len(alternatives) > 1 else 0, warn_segments, page_segments
                )
                result.problems.extend(problems)
                if rendered is not None:
                    result.rendered.append(rendered)
                if template is not None:
                    templates.append(template)
            if len(templates) == len(alternatives):
                compiled[locale.language][key] = templates
        for key in sorted(set(REGISTRY) - set(locale.texts)) if locale.readable else []:
            if locale.language == default_language:
                result.problems.append(Problem("ERROR", locale.path, None, key, "missing"))
            else:
                result.problems.append(Problem("WARNING", locale.path, None, key,
                                               f"missing (falls back to {default_language})"))
    if not result.errors:
        result.catalog = Catalog(compiled, default_language)
    return result


def validate_catalog(directory: Path, default_language: str, warn_segments: int = 2,
                     page_segments: int = 2) -> Validation:
    """Read every `*.yaml` in `directory`, validate, compile: the one check behind start-up, `check` and
    hot reload. Files validated before (the same bytes, with the same settings) are not validated again:
    every app a process starts (each test's, each console page that checks the files) shares one compiled
    catalog, which nothing changes once compiled (hot reload swaps in a new one)."""
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    try:
        contents = [(path, path.read_bytes()) for path in paths]
    except OSError:  # unreadable: read_locale says so, file by file, and nothing is kept
        return _validate(directory, [(path, None) for path in paths], default_language, warn_segments,
                         page_segments)
    key = (directory.resolve(), default_language, warn_segments, page_segments,
           tuple((path.name, hashlib.sha256(data).digest()) for path, data in contents))
    with _VALIDATED_LOCK:  # hot reload and the console validate in worker threads
        if (known := _VALIDATED.get(key)) is None:
            known = _VALIDATED[key] = _validate(directory, contents, default_language, warn_segments,
                                                page_segments)
            while len(_VALIDATED) > _KEEP_VALIDATED:
                del _VALIDATED[next(iter(_VALIDATED))]
    # Callers may add to the lists; the catalog is shared as it is (nothing changes a compiled one).
    return replace(known, problems=list(known.problems), rendered=list(known.rendered), locales=list(known.locales))


# Validations already made in this process, by directory, settings and each file's content; the oldest go
# first (a server whose operators edit the messages all day keeps only the last few).
_VALIDATED: dict[tuple[Any, ...], Validation] = {}
_KEEP_VALIDATED = 8
_VALIDATED_LOCK = threading.Lock()


def _validate(directory: Path, contents: Sequence[tuple[Path, bytes | None]], default_language: str,
              warn_segments: int, page_segments: int) -> Validation:
    locales: list[LocaleFile] = []
    problems: list[Problem] = []
    if not contents:
        problems.append(Problem("ERROR", directory, None, None, "no message files (*.yaml) here"))
    for path, data in contents:
        locale, found = read_locale(path, data)
        locales.append(locale)
        problems.extend(found)
    result = compile_locales(locales, default_language, warn_segments, page_segments)
    result.problems[:0] = problems
    if result.errors:
        result.catalog = None
    return result
