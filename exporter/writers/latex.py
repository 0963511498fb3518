"""Unicode → LaTeX for BibTeX fields: escape TeX specials, encode non-ASCII, protect capitals."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from exporter.model import clean, from_latex
from exporter.text import balanced

# Each escape is a brace group, like the non-ASCII characters ({\'a}): bibtexparser cuts the
# first character off a name that starts with a backslash (`A and \%x` gives `x`), and the
# ACL Anthology writes them the same way (9{\%}).
_SPECIALS = {
    "\\": r"{\textbackslash}",
    # Not \{ and \}: BibTeX (and pybtex, biber) count braces even after a backslash, so one
    # unbalanced brace in a title made the whole file unreadable.
    "{": r"{\textbraceleft}",
    "}": r"{\textbraceright}",
    "%": r"{\%}",
    "&": r"{\&}",
    "$": r"{\$}",
    "#": r"{\#}",
    "_": r"{\_}",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
}
# In text no style changes the case of (abstracts, notes), braces where each closes one opened before it are
# \{ \}, which keep BibTeX's count balanced and are what Zotero's BibTeX import reads back as braces (it leaves
# {\textbraceleft} as it is). (^ stays {\textasciicircum}, which Zotero reads as ˆ: its {\^{}} comes out of biber
# as {\^}, which stops LaTeX.)
_BALANCED_BRACES = {**_SPECIALS, "{": r"\{", "}": r"\}"}
# Combining accents -> the LaTeX accent that puts them on the letter before.
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u", "\u0307": ".",
            "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d", "\u0327": "c", "\u0328": "k",
            "\u0331": "b"}
# Character pairs that TeX fonts turn into one other character (-- –, `` “, '' ”, ?` ¿, !` ¡;
# with T1 fonts also << «, >> », ,, „): an empty group between them keeps the text as written.
_LIGATURES = frozenset(["--", "``", "''", "?`", "!`", "<<", ">>", ",,"])
# pylatexenc writes accented i with a dotless i ({\'\i}), which breaks biber with pdflatex;
# {\'i} typesets the same and works everywhere.
_DOTLESS_I_FIX = {ord("í"): r"\'i", ord("ì"): r"\`i", ord("î"): r"\^i", ord("ï"): r"\"i",
                  # pylatexenc gives Ű ű an acute (\'{U}); Hungarian has a double acute, \H.
                  ord("Ű"): r"\H{U}", ord("ű"): r"\H{u}"}
# Capitalised words that name languages, peoples or places: BibTeX styles would lowercase them.
PROPER_NOUNS = frozenset(
    "Chinese English Slavic German French Spanish Japanese Korean Arabic Hindi Russian Indian "
    "African European American Asian Bayesian Gaussian Markov Wikipedia Twitter Reddit".split()
)


@lru_cache(maxsize=1)
def _encoder() -> Any:
    from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

    return UnicodeToLatexEncoder(
        conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, _DOTLESS_I_FIX), "defaults"],
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    encoded: str = _encoder().unicode_to_latex(c)
    # pylatexenc maps some characters to LaTeX for another one (ħ to \={h}, Ŀ to \.{L}, ″ to
    # the ligature '', Greek Α to Latin A, ⁴ to math ^4) or to macros no reader knows
    # (\cyrchar\CYROMEGA): keep those as UTF-8, like the characters it has no macro for
    # (pdflatex then needs them declared; biber and Unicode engines read them as they are).
    if from_latex(f"x{encoded}x") != clean(f"x{c}x"):
        return c
    return encoded


# What `to_latex` changes in ASCII text (or in any text, with `unicode`): a special, a ligature, white space
# other than single spaces.
_CHANGES = re.compile("[" + re.escape("".join(_SPECIALS)) + "]|" + "|".join(map(re.escape, sorted(_LIGATURES)))
                      + r"|\s\s|[^\S ]")


def to_latex(text: str, unicode: bool = False) -> str:
    """Plain Unicode text as a BibTeX field value: specials escaped, accents as TeX macros.

    With `unicode`, non-ASCII characters stay as they are (for biber with UTF-8 input).
    """
    return _to_latex(text, unicode, _SPECIALS)


def prose_to_latex(text: str, unicode: bool = False) -> str:
    """Like `to_latex`, for text no style changes the case of (abstracts, notes): balanced braces as `\\{` `\\}`."""
    return _to_latex(text, unicode, _BALANCED_BRACES if "{" in text and balanced(text) else _SPECIALS)


def _to_latex(text: str, unicode: bool, specials: dict[str, str]) -> str:
    if (unicode or text.isascii()) and _CHANGES.search(text) is None:
        return text  # nothing to escape, encode, break or collapse: most titles, names and venues
    # One line: TeX reads any white space as one space, a blank line in a field is an error,
    # and bibtexparser takes a line that starts with `@` inside a value for a new entry.
    text = re.sub(r"\s+", " ", text)
    out: list[str] = []
    for i, c in enumerate(text):
        if not unicode and c in _ACCENTS and i and text[i - 1].isalpha():
            # A combining accent with no precomposed letter (C̨, Z̃): pdflatex cannot typeset it as UTF-8.
            out[-1] = "{\\" + _ACCENTS[c] + "{" + out[-1] + "}}"
            continue
        out.append(specials.get(c) or (c if c < "\x80" or unicode else _char(c)))
        if text[i : i + 2] in _LIGATURES:
            out.append("{}")  # `a--b` would print an en dash: `a-{}-b` keeps both hyphens
    return "".join(out)


@lru_cache(maxsize=1 << 16)  # a title word recurs across titles and venues
def needs_protection(word: str) -> bool:
    """Whether a title word keeps its capitals when a style changes the title's case."""
    # Acronyms and inner capitals (FLAN, LLaMA, InstructDial), capitals with digits (T0),
    # and proper nouns: BibTeX styles that lowercase titles must keep them.
    inner_capital = any(c.isupper() for c in word[1:])
    capital_with_digit = any(c.isupper() for c in word) and any(c.isdigit() for c in word)
    return inner_capital or capital_with_digit or word in PROPER_NOUNS


_TITLE_WORD = re.compile(r"[^\W_]+")
_TITLE_WORD_ACCENTED = re.compile(r"(?:[^\W_][\u0300-\u036f]*)+")  # combining accents stay with their letter


def _protected(match: re.Match[str]) -> str:
    word = match[0]
    return "{" + word + "}" if needs_protection(word) else word


@lru_cache(maxsize=4096)  # a venue recurs across its papers (the 10,000-paper benchmark: 188 venues)
def title_to_latex(title: str, unicode: bool = False) -> str:
    """A title for BibTeX: like `to_latex`, with acronyms and proper nouns brace-protected."""
    if (unicode or title.isascii()) and _CHANGES.search(title) is None:
        # `to_latex` keeps every part as it is: only the braces to add.
        return (_TITLE_WORD if title.isascii() else _TITLE_WORD_ACCENTED).sub(_protected, title)
    out, pos = [], 0
    for m in _TITLE_WORD_ACCENTED.finditer(title):
        out.append(to_latex(title[pos : m.start()], unicode))
        word = m.group()
        encoded = to_latex(word, unicode)
        out.append("{" + encoded + "}" if needs_protection(word) else encoded)
        pos = m.end()
    out.append(to_latex(title[pos:], unicode))
    return "".join(out)
