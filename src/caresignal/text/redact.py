"""Redacting what identifies people in a concern's words, for exports (docs/concerns.md,
"Exports").

:func:`redact` replaces, in a copy of the text, what it finds with a marker in square brackets:

- **e-mail addresses** (``[email]``), any shape ``local@domain.tld``, Unicode letters included;
- **UK telephone numbers** (``[phone]``): a national number of ten or eleven digits beginning
  ``01``, ``02``, ``03``, ``07``, ``08`` or ``09`` (``07700 900123``, ``01227 766877``,
  ``020 7946 0018``, ``(01632) 960 001``, ``0800 123 4567``), or the same after ``+44``,
  ``0044`` or ``+44 (0)``, with or without spaces, hyphens, dots or brackets between digits;
- **NHS numbers** (``[NHS number]``): ten digits (as 3-3-4 or unbroken) whose last digit is
  the modulus 11 check digit of the first nine;
- **postcodes** written in capitals (``CT1 3NG``, ``M1 1AE``; ``[postcode]``);
- **the person's own details** given as ``names``, ``emails``, ``phones`` and ``addresses``:
  every word of a name (two letters or more, titles aside) wherever it stands, in any case; an
  e-mail address as written; a phone number however its digits are spaced; and each part of an
  address (between commas or lines) that holds a digit or two words or more (``[address]``);
- **names of other people**, by four rules (``[name]``): capitalised words after a title
  (``Mr``, ``Mrs``, ``Ms``, ``Miss``, ``Mx``, ``Dr``, ``Doctor``, ``Prof``, ``Professor``,
  ``Nurse``, ``Sister``, ``Matron``, ``Midwife``, ``Sir``, ``Dame``), the title kept; capitalised
  words after a relation or an introduction (``my son``, ``our mum``, ``her husband``,
  ``called``, ``named``, ``my name is``, ``known as``, ``this is``, ``Dear``); capitalised
  words on the line after a sign-off (``Kind regards``, ``Thanks``, ``Yours sincerely``); and a
  run of capitalised words from one of :data:`GIVEN_NAMES`, a list of common given names in
  England written for caresignal.

Names of places are left alone: a run of capitalised words that holds a place word (``Ward``,
``Unit``, ``Hospital``, ``Bay``…) or follows ``St``, ``Saint``, ``Queen``, ``King``, ``Prince``
or ``Princess`` is kept whole, so "Victoria Ward" and "St George's Hospital" stay, and so do
days, months and short capitals (``NHS``, ``ICU``, ``A&E``). Dates, times, ward and bed
numbers and references such as ``CON-2026-000123`` have too few digits, or the wrong first
digit, to be telephone numbers.

What it cannot promise: a name with no title, no cue and not on the list ("Tyrone came at
six"), a name written in lower case, a number written in words or split oddly ("oh seven seven
double oh"), an e-mail address written as "name at example dot com", a foreign telephone
number, a town alone, a postcode in lower case, and anything else that identifies someone
without being a name or a number (a job, a date of birth, a rare condition). Words that are
also names (``May``, ``Will``, ``Rose``…) are left off the list, and the person's own name is
removed even where it is an ordinary word. Digits and signs are compared after folding their
Unicode forms (full-width ``０７７００``, ``＋４４``, ``＠``, non-breaking spaces and dashes),
and the text keeps its own characters everywhere else.

>>> redact("Dr Patel said my son Jack Smith could go home; ring me on 07700 900123.")
'Dr [name] said my son [name] could go home; ring me on [phone].'
>>> redact("Sarah rang about bed 4 on Victoria Ward at 14:05 on 23/11/2026.", names=["Sarah"])
'[name] rang about bed 4 on Victoria Ward at 14:05 on 23/11/2026.'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

__all__ = [
    "ADDRESS",
    "EMAIL",
    "GIVEN_NAMES",
    "NAME",
    "NHS_NUMBER",
    "PHONE",
    "POSTCODE",
    "redact",
]


def _set(words: str) -> frozenset[str]:
    """The words of ``words``, split at spaces."""
    return frozenset(words.split())


NAME, PHONE, EMAIL = "[name]", "[phone]", "[email]"
NHS_NUMBER, POSTCODE, ADDRESS = "[NHS number]", "[postcode]", "[address]"

#: Common given names in England (several generations), written for caresignal: a heuristic,
#: never the whole of it. Names that are also ordinary words (May, Will, Rose, Grace, Amber,
#: Mark, Hope…) are left out, so that the words are not taken for names.
GIVEN_NAMES = _set(
    """
    Aaron Abdul Abigail Adam Adrian Ahmed Aisha Alan Albert Alex Alexander Alexandra Alfie Alice
    Alison Amanda Amelia Amir Amy Andrew Angela Ann Anna Anne Anthony Archie Arthur Ava Barbara
    Barry Ben Benjamin Beryl Beth Bethany Betty Brian Callum Carl Carol Caroline Catherine
    Charles Charlie Charlotte Chloe Chris Christine Christopher Claire Colin Connor Craig Daniel
    Darren David Dean Deborah Denise Dennis Derek Diane Donna Dorothy Doreen Dylan Edward Eileen
    Eleanor Elizabeth Ella Ellie Emily Emma Eric Ethan Evelyn Fatima Finley Florence Frank
    Freddie Freya Gareth Gary Gemma George Georgia Gillian Gordon Graham Hannah Harry Harvey
    Hassan Heather Helen Henry Hussain Ian Imran Isabella Isla Isabelle Jack Jacob Jacqueline
    Jake James Jamie Jane Janet Jason Jean Jennifer Jessica Joan Joanne John Jonathan Joseph
    Joshua Joyce Julie Karen Katherine Kathleen Kelly Kenneth Kevin Kieran Laura Lauren Leah
    Leo Lesley Lewis Liam Lily Linda Lisa Logan Louise Lucy Luke Lynn Margaret Maria Marie
    Martin Mary Matthew Maureen Megan Mia Michael Michelle Mohammed Muhammad Nathan Neil Nicola
    Nicholas Noah Oliver Olivia Oscar Pamela Patricia Paul Pauline Peter Philip Priya Rachel
    Raj Rebecca Richard Robert Ryan Samantha Samuel Sandra Sarah Scott Sean Sharon Shirley
    Simon Sophie Sophia Stephen Steven Stuart Susan Teresa Theo Thomas Tracey Tracy Valerie
    Victoria Wendy William Yusuf Zara Zoe
    """
)

#: Titles before a name: those that are also ordinary words only when capitalised ("I miss
#: Canterbury" keeps its town), the others in any case ("the nurse Kelly").
TITLES = r"(?:Mr|MR|Mrs|MRS|Ms|MS|Miss|MISS|Mx|Dr|DR|Prof|Professor|Sir|Dame|" + (
    r"(?i:doctor|nurse|sister|matron|midwife))"
)
TITLE_WORDS = _set(
    "mr mrs ms miss mx dr doctor prof professor nurse sister matron midwife sir dame"
)
RELATIONS = (
    "husband|wife|partner|son|daughter|mum|mother|mom|dad|father|brother|sister|grandson|"
    "granddaughter|grandmother|grandfather|granny|grandma|grandad|grandpa|nan|nana|baby|child|"
    "boy|girl|friend|aunt|auntie|uncle|niece|nephew|cousin|fiancée|fiancé|carer|twin"
)
#: Words that end a run of a name, or mark a run of capitalised words as a place.
PLACE_WORDS = _set(
    "ward wards unit units hospital hospitals infirmary bay bays bed room theatre theatres "
    "suite wing block building centre center clinic department house lodge floor level team "
    "trust service services surgery practice road street lane avenue court"
)
#: Words before a run of capitalised words that make it a place ("St George's Hospital").
PLACE_BEFORE = _set("st st. saint queen king prince princess royal")
#: Capitalised words that start sentences and never names.
COMMON = _set(
    "the a an i it its we they he she you this that these those my our your his her their not "
    "no yes very so and but or if when then there here please what why how who after before "
    "on in at to from with"
)
CALENDAR = _set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "june july august september october november december christmas easter"
)

_WORD = re.compile(r"[^\W\d_](?:[\w-]*[^\W_])?(?:['’][^\W\d_]+)?")
#: A word of a name, or an initial ("J.").
_NAME_WORD = re.compile(r"[^\W\d_]\.|" + _WORD.pattern)
_GAP = re.compile(r"[ \t]+")
_TITLED = re.compile(rf"(?<![\w]){TITLES}\b\.?[ \t]+")
_CUE = re.compile(
    rf"(?<![\w])(?:(?:my|our|his|her|their|your)\s+(?:(?:little|late|elderly|baby)\s+)?"
    rf"(?:{RELATIONS})\b,?|called|named|name\s+is|name\s+was|known\s+as|this\s+is|dear)"
    rf"[ \t]+",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"(?:^|\n)[ \t]*(?:kind\s+regards|best\s+regards|warm\s+regards|regards|best\s+wishes|"
    r"many\s+thanks|thanks|thank\s+you|yours\s+sincerely|yours\s+faithfully|yours|sincerely|"
    r"from)[ \t]*[,.!]?[ \t]*(?:\r?\n[ \t]*)+",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)[ ]?44[ ]?(?:\(0\)[ ]?)?|\(?0)[1-37-9](?:[ .\-)]{0,2}\d){8,9}(?!\d)"
)
_NHS = re.compile(r"(?<![\w])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w])")
_POSTCODE = re.compile(r"(?<![\w])(?:[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2})(?![\w])")
_DIGITS = re.compile(r"\d(?:[ .\-()]{0,2}\d)*")
#: Signs folded to their ASCII form before looking for numbers and addresses: one character
#: for one, so that what is found lines up with the text as written.
_SIGNS = {"＋": "+", "＠": "@", "﹫": "@", "．": ".", "（": "(", "）": ")"}
_SIGNS |= dict.fromkeys("‐‑‒–—―−﹣－", "-")


class _Fold(dict[int, str]):
    """``str.translate`` table, filled as characters are met: Unicode digits to ASCII digits,
    full-width signs and dashes to ASCII, spaces of every kind to a plain space."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        digit = unicodedata.decimal(char, None) if code > 127 else None
        if digit is not None:
            folded = str(digit)
        elif char in _SIGNS:
            folded = _SIGNS[char]
        elif code > 127 and char.isspace() and char not in "\n\r\u2028\u2029":
            folded = " "
        else:
            folded = char
        self[code] = folded
        return folded


_FOLD = _Fold()


def redact(
    text: str,
    *,
    names: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    phones: Iterable[str | None] = (),
    addresses: Iterable[str | None] = (),
) -> str:
    """``text`` with e-mail addresses, UK telephone numbers, NHS numbers, postcodes, names and
    the person's own details (``names``, ``emails``, ``phones``, ``addresses``; None or empty
    are skipped) replaced by markers such as ``[name]`` (the module's description says what is
    found and what is not)."""
    folded = text.translate(_FOLD)
    spans = [
        *_found(_EMAIL, folded, EMAIL),
        *_found(_PHONE, folded, PHONE),
        *((s, e, NHS_NUMBER) for s, e, _ in _found(_NHS, folded, "") if _nhs_valid(folded[s:e])),
        *_found(_POSTCODE, folded, POSTCODE),
        *_own(folded, names, emails, phones, addresses),
        *_names(folded),
    ]
    return _replace(text, spans)


def _found(pattern: re.Pattern[str], text: str, marker: str) -> Iterator[tuple[int, int, str]]:
    return ((m.start(), m.end(), marker) for m in pattern.finditer(text))


def _nhs_valid(number: str) -> bool:
    """Whether ten digits carry the NHS number's modulus 11 check digit (NHS Digital, "NHS
    number" data dictionary: weights 10 down to 2, check digit 11 minus the remainder, 11 read
    as 0 and 10 never issued)."""
    digits = [int(d) for d in number if d.isdigit()]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == digits[9] and len(set(digits)) > 1


def _own(
    text: str,
    names: Iterable[str | None],
    emails: Iterable[str | None],
    phones: Iterable[str | None],
    addresses: Iterable[str | None],
) -> Iterator[tuple[int, int, str]]:
    """Where the person's own details are in ``text``."""
    for name in filter(None, names):
        for word in set(re.split(r"[\s,;/]+", name.translate(_FOLD))):
            parts = {word, *word.split("-")} if "-" in word else {word}
            for part in parts:
                part = part.strip(".'’")
                if sum(c.isalpha() for c in part) >= 2 and part.lower() not in TITLE_WORDS:
                    yield from _found(_exact(part), text, NAME)
    for email in filter(None, emails):
        if email.strip():
            yield from _found(_exact(email.strip().translate(_FOLD)), text, EMAIL)
    for phone in filter(None, phones):
        wanted = _national(phone.translate(_FOLD))
        if len(wanted) >= 6:
            for m in _DIGITS.finditer(text):
                if _national(m.group()) == wanted:
                    yield m.start(), m.end(), PHONE
    for address in filter(None, addresses):
        for part in re.split(r"[,\n;]+", address.translate(_FOLD)):
            part = part.strip(" .")
            if any(c.isdigit() for c in part) or len(part.split()) >= 2:
                yield from _found(_exact(part), text, ADDRESS)


def _exact(words: str) -> re.Pattern[str]:
    """``words`` as a whole, in any case, however they are spaced."""
    body = r"\s+".join(re.escape(piece) for piece in words.split())
    return re.compile(rf"(?<![\w'’-]){body}(?![\w-])", re.IGNORECASE)


def _national(number: str) -> str:
    """A telephone number's digits without ``44`` or the leading ``0``: the part that is the
    same however it is written."""
    digits = "".join(c for c in number if c.isdigit())
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and len(digits) >= 11:
        digits = digits[2:]
    return digits.removeprefix("0")


def _names(text: str) -> Iterator[tuple[int, int, str]]:
    """Names by the four rules: after a title, after a cue, after a sign-off, and runs of
    capitalised words that hold a common given name."""
    for pattern in (_TITLED, _CUE, _SIGN_OFF):
        for m in pattern.finditer(text):
            end = _run_end(text, m.end(), stop_at_title=pattern is not _TITLED)
            if end > m.end():
                yield m.end(), end, NAME
    yield from _listed(text)


def _words(text: str, start: int) -> Iterator[str]:
    """The words (and initials) from ``start`` on while each follows the last after spaces
    only, each with the end where it stops."""
    at = start
    while (m := _NAME_WORD.match(text, at)) is not None:
        yield m.group()
        gap = _GAP.match(text, m.end())
        if gap is None:
            return
        at = gap.end()


def _is_name_word(word: str) -> bool:
    """Whether a word may be part of a name: capitalised, not a short run of capitals (NHS,
    ICU), and not a common word, a day, a month or a place word."""
    stem = re.split(r"['’.]", word)[0]
    lowered = stem.lower()
    if not stem[:1].isupper() or lowered in PLACE_WORDS | CALENDAR | COMMON:
        return False
    return not (stem.isupper() and 1 < len(stem) <= 4)


def _run_end(text: str, start: int, *, stop_at_title: bool) -> int:
    """The end of up to three name words from ``start`` (``start`` when there are none); a run
    that turns out to name a place ("my son Ward 12", "called Birch Ward") gives none."""
    end, at = start, start
    for count, word in enumerate(_words(text, start)):
        if re.split(r"['’]", word)[0].lower() in PLACE_WORDS:
            return start
        if count >= 3 or not _is_name_word(word):
            break
        if stop_at_title and count == 0 and word.lower().rstrip(".") in TITLE_WORDS:
            return start  # the title's own rule takes it
        at = text.index(word, at) + len(word)
        end = at - (2 if word.endswith(("'s", "’s")) else 0)
    return end


def _listed(text: str) -> Iterator[tuple[int, int, str]]:
    """Runs of capitalised words from a common given name on, unless the run names a place."""
    run: list[re.Match[str]] = []
    previous = ""
    for m in _WORD.finditer(text):
        word = m.group()
        if run and _is_name_word(word) and not text[run[-1].end() : m.start()].strip(" \t"):
            run.append(m)
            continue
        if run:
            yield from _listed_run(run, previous, word)
            previous = run[-1].group()
        run = [m] if _is_name_word(word) else []
        if not run:
            previous = word
    if run:
        yield from _listed_run(run, previous, "")


def _listed_run(
    run: list[re.Match[str]], previous: str, following: str
) -> Iterator[tuple[int, int, str]]:
    """The name in one run of capitalised words (the word before it and the word after it
    given), if a common given name is among its first three words and it names no place."""
    first = run[0].group().lower()
    if previous.lower() in PLACE_BEFORE or first in PLACE_BEFORE:
        return
    if following.lower() in PLACE_WORDS:
        return
    for m in run[:3]:
        if re.split(r"['’]", m.group())[0] in GIVEN_NAMES:
            last = run[-1]
            trim = 2 if last.group().endswith(("'s", "’s")) else 0
            yield m.start(), last.end() - trim, NAME
            return


def _replace(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced by its marker; overlapping spans become one, marked as
    the earliest (the longest of those starting together)."""
    ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
    pieces: list[str] = []
    at = 0
    current: tuple[int, int, str] | None = None
    for start, end, marker in ordered:
        if current is not None and start < current[1]:
            current = (current[0], max(current[1], end), current[2])
            continue
        if current is not None:
            pieces += [text[at : current[0]], current[2]]
            at = current[1]
        current = (start, end, marker)
    if current is not None:
        pieces += [text[at : current[0]], current[2]]
        at = current[1]
    return "".join([*pieces, text[at:]])
