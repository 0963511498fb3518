"""Unicode → LaTeX for BibTeX fields: escape TeX specials, encode non-ASCII, protect capitals."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# pylatexenc writes accented i with a dotless i ({\'\i}), which breaks biber with pdflatex;
# {\'i} typesets the same and works everywhere.
_DOTLESS_I_FIX = {ord("í"): r"\'i", ord("ì"): r"\`i", ord("î"): r"\^i", ord("ï"): r"\"i"}
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
    return encoded


def to_latex(text: str, unicode: bool = False) -> str:
    """Plain Unicode text as a BibTeX field value: specials escaped, accents as TeX macros.

    With `unicode`, non-ASCII characters stay as they are (for biber with UTF-8 input).
    """
    return "".join(_SPECIALS.get(c) or (c if c < "\x80" or unicode else _char(c)) for c in text)


def _needs_protection(word: str) -> bool:
    # Acronyms and inner capitals (FLAN, LLaMA, InstructDial), capitals with digits (T0),
    # and proper nouns: BibTeX styles that lowercase titles must keep them.
    inner_capital = any(c.isupper() for c in word[1:])
    capital_with_digit = any(c.isupper() for c in word) and any(c.isdigit() for c in word)
    return inner_capital or capital_with_digit or word in PROPER_NOUNS


def title_to_latex(title: str, unicode: bool = False) -> str:
    """A title for BibTeX: like `to_latex`, with acronyms and proper nouns brace-protected."""
    out, pos = [], 0
    for m in re.finditer(r"[^\W_]+", title):
        out.append(to_latex(title[pos : m.start()], unicode))
        word = m.group()
        encoded = to_latex(word, unicode)
        out.append("{" + encoded + "}" if _needs_protection(word) else encoded)
        pos = m.end()
    out.append(to_latex(title[pos:], unicode))
    return "".join(out)
