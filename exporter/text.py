"""Text rules (a leaf module: imports nothing of exporter): control characters, white space, LaTeX and
arXiv's TeX-flavoured text to Unicode (one decoder, with a fast path for the Anthology's brace groups),
ASCII folding, and the normalised titles and title terms every duplicate and match rule compares.

Control characters (NUL, DEL, the C0 and C1 ranges) and the bidi embedding, override and isolate
marks can reach us from a TOML escape or from upstream metadata. They have no place in a
bibliography: pdflatex stops at them, and bidi overrides make text display differently from what
it is. They are removed; tab and line ends stay (white space rules apply later), and every other
Unicode character is kept as it is.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without control characters and bidi overrides (tab, LF and CR kept)."""
    return _UNWANTED.sub("", text) if _UNWANTED.search(text) else text


def strip_controls_in(value: Any) -> Any:
    """`value` (strings, lists and dicts of them, as TOML and JSON give) with `strip_controls` applied to every
    string, keys included. Applied where text comes in, before white space is collapsed or names split."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [strip_controls_in(v) for v in value]
    if isinstance(value, dict):
        return {strip_controls_in(k): strip_controls_in(v) for k, v in value.items()}
    return value


def clean(text: str) -> str:
    """Collapse runs of white space (arXiv wraps titles and abstracts) and strip."""
    # str.split() splits at exactly the characters `\s` matches: re.sub(r"\s+", " ", text).strip(), faster.
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _latex_decoder() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
    from pylatexenc.latexwalker import LatexGroupNode

    # pylatexenc reads \textasciicircum as ˆ (U+02C6) and does not know \textbraceleft and
    # \textbraceright; LaTeX prints ^ { } for them (and the BibTeX writer uses them).
    context = get_default_latex_context_db()
    accent = context.get_macro_spec("^").simplify_repl

    def circumflex(node: Any, l2tobj: Any) -> str:  # (pylatexenc passes l2tobj by that name)
        # `\^{}` is how LaTeX (and Zotero's BibTeX import) spell a lone ^; pylatexenc reads an accent on nothing.
        arg = node.nodeargd.argnlist[-1] if node.nodeargd and node.nodeargd.argnlist else None
        if arg is not None and arg.isNodeType(LatexGroupNode) and not arg.nodelist:
            return "^"
        return accent(node, l2tobj)

    context.add_context_category("exporter", prepend=True, macros=[
        MacroTextSpec("textasciicircum", "^"), MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("^", simplify_repl=circumflex),
        # Text symbols pylatexenc does not know (it would drop them): the ones .bib files and Zotero's export use.
        *(MacroTextSpec(name, text) for name, text in _SYMBOLS.items()),
    ])
    # Math stays as written ($x^2$): there is no Unicode for most of it.
    return LatexNodes2Text(latex_context=context, math_mode="verbatim", keep_comments=False)


# What makes a value more than its characters: macros, braces, math, ties, comments, and the ligatures
# (`1736--1739` is an en dash wherever BibTeX prints it).
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_SYMBOLS = {"S": "§", "P": "¶", "copyright": "©", "euro": "€", "pounds": "£", "ddag": "‡", "textless": "<",
            "textgreater": ">", "textbar": "|", "textbackslash": "\\", "textasciitilde": "~", "textunderscore": "_",
            **{f"text{name}": chr(0x3B1 + i) for i, name in enumerate(
                "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho varsigma "
                "sigma tau upsilon phi chi psi omega".split()) if name != "mu"}}  # \textmu: textcomp's micro sign
_PLAIN = re.compile(r"[\\{}$~%]|--|``|''|!`|\?`")
# What pylatexenc reads as more than text in a value with braces: macros, math, comments, ties, alignment
# and the other specials, and the ligatures (-- `` '' !` ?`).
_NOT_JUST_BRACES = re.compile(r"[\\$%~&#^_]|--|``|''|!`|\?`")


def from_latex(text: str) -> str:
    """Decode a BibTeX field value (`Jim{\\'e}nez`, `{C}o{E}d{IT}`) to plain Unicode."""
    if _PLAIN.search(text) is None:  # nothing TeX reads as more than its characters
        return clean(text)
    if "%" in text:  # a bare % in a field is a percent sign (`50% gain`), not a comment eating the rest
        text = _BARE_PERCENT.sub(r"\\%", text)
    if _NOT_JUST_BRACES.search(text) is None and balanced(text):
        # Only brace groups ({BERT}, {C}o{E}d{IT}: most Anthology titles): pylatexenc keeps their text and the
        # rest as they are, and takes ~1 ms a value. Checked equal to it on the 487,803 such values among the
        # 1.15 million distinct field values and name parts of the DBLP samples, an Anthology export and the
        # real-world .bib files.
        return clean(text.replace("{", "").replace("}", ""))
    decoded = _as_pylatexenc(text)
    if decoded is not None:
        return decoded
    return clean(_latex_decoder().latex_to_text(text))


def balanced(text: str) -> bool:
    """Whether every brace in `text` closes one opened before it, and every one opened is closed."""
    depth = 0
    for brace in _BRACE.findall(text):
        depth += 1 if brace == "{" else -1
        if depth < 0:
            return False
    return depth == 0


_BRACE = re.compile(r"[{}]")


# arXiv metadata is TeX-flavoured plain text: authors write $\infty$, \textbf{X}, --, \"o and
# \cite{...}, but also a bare % for percent and ~ for "about". So only these forms are decoded;
# anything else (an unknown \macro) stays as written.
_ARXIV_MARKUP = [
    # Citations mean nothing outside the paper: drop them with the tie before them.
    (re.compile(r"~?\\cite[a-z]*\*?(?:\[[^\]]*\])*\{[^{}]*\}"), lambda m: ""),
    (re.compile(r"\\footnote\{((?:[^{}]|\{[^{}]*\})*)\}"), lambda m: f" ({m[1]})"),
    (re.compile(r"\\(?:textbf|textit|emph|texttt|textsc|textrm|textsf|underline|url|mbox|text)\{([^{}]*)\}"),
     lambda m: m[1]),
    (re.compile(r"\\([%&_#$])"), lambda m: m[1]),
    (re.compile(r"---"), lambda m: "\u2014"),
    (re.compile(r"(?<!-)--(?!-)"), lambda m: "\u2013"),
    (re.compile(r"``"), lambda m: "\u201c"),
    (re.compile(r"''"), lambda m: "\u201d"),
]
_ARXIV_MATH = re.compile(r"\$([^$]+)\$")
# Symbol accents may touch their letter (\"o); letter accents (\v, \c) need braces or a space
# (\v{c}, \c c), so that \cite or \textbf never read as one. Then the letter macros (\ss).
_ARXIV_ACCENT = re.compile(
    r"\{?\\[`'^\"~=.]\s*(?:\{\\?[A-Za-z]\}|\\?[A-Za-z])\}?"
    r"|\{?\\[uvHcdbtkr](?:\{\\?[A-Za-z]\}|\s+[A-Za-z])\}?"
    r"|\{?\\(?:ss|ae|AE|oe|OE|o|O|l|L|aa|AA|i)\}?(?![A-Za-z])"
)


@lru_cache(maxsize=1)
def _math_decoder() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", keep_comments=True)


def from_arxiv_tex(text: str) -> str:
    """arXiv's TeX-flavoured text as plain Unicode: `$\\infty$-former` → `∞-former`, `--` → `–`."""
    if re.search(r"[\\$`']|--", text):
        text = _ARXIV_MATH.sub(lambda m: _math_decoder().latex_to_text(m[1]), text)
        for pattern, repl in _ARXIV_MARKUP:
            text = pattern.sub(repl, text)
        text = _ARXIV_ACCENT.sub(lambda m: _math_decoder().latex_to_text(m[0]), text)
    return clean(text)


_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE",
                       "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "ð": "d"})


def ascii_fold(text: str) -> str:
    """`Štefánik` → `Stefanik`: decompose, drop accents, map the letters that do not decompose."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- LaTeX to Unicode, fast ----------------------------------------------------------------
#
# Nearly every Anthology title has braces ({C}o{E}d{IT}) and many names have accents
# (Jim{\'e}nez). pylatexenc (from_latex) takes ~100 µs a value, minutes for the dump,
# so the forms the Anthology's encoder writes are decoded here; a value with anything else
# (math, \textit, unknown macros) goes to from_latex.

_ACCENTS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", "=": "\u0304", ".": "\u0307",
    '"': "\u0308", "u": "\u0306", "r": "\u030a", "H": "\u030b", "v": "\u030c", "c": "\u0327",
    "k": "\u0328", "d": "\u0323", "b": "\u0331",
}
_LETTER_MACROS = {
    "ss": "ß", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ",
    "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ", "ij": "ĳ", "IJ": "Ĳ",
    # Symbols the Anthology's encoder (pylatexenc's defaults) writes as brace groups.
    "textasciitilde": "~", "textasciicircum": "^", "textbackslash": "\\", "textellipsis": "…",
    "textexclamdown": "¡", "textquestiondown": "¿", "textcent": "¢", "textsterling": "£",
    "textcurrency": "¤", "textyen": "¥", "textbrokenbar": "¦", "textsection": "§",
    "textasciidieresis": "¨", "textcopyright": "©", "textordfeminine": "ª", "guillemotleft": "«",
    "guillemotright": "»", "textlnot": "¬", "textregistered": "®", "textasciimacron": "¯",
    "textdegree": "°", "texttwosuperior": "²", "textthreesuperior": "³", "textasciiacute": "´",
    "textmu": "µ", "textparagraph": "¶", "textperiodcentered": "·", "textonesuperior": "¹",
    "textordmasculine": "º", "textonequarter": "¼", "textonehalf": "½", "textthreequarters": "¾",
    "texttimes": "×", "textdiv": "÷", "textendash": "–", "textemdash": "—",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”",
    "textbullet": "•", "textdagger": "†", "texttrademark": "™", "textperthousand": "‰",
}
# Characters that are LaTeX syntax in the raw value but text once decoded travel through the
# decoder as private-use placeholders, so the syntax check and brace removal leave them alone.
_ESCAPED = {"&": "&", "%": "\ue004", "#": "#", "$": "\ue003", "_": "_", "{": "\ue000", "}": "\ue001",
            "-": "", " ": " ", ",": "\u2009"}  # {\-} is a hyphenation point: nothing to see
_PLACEHOLDERS = str.maketrans({"\ue000": "{", "\ue001": "}", "\ue002": "\\", "\ue003": "$", "\ue004": "%",
                               "\ue005": "~", "\ue006": "^"})
_SAFE_SYMBOLS = {"\\": "\ue002", "~": "\ue005", "^": "\ue006"}
_TYPOGRAPHY = {"---": "—", "--": "–", "``": "“", "''": "”", "`": "‘", "'": "’", "~": "\u00a0"}
_MATH_SYMBOLS = {"<": "<", ">": ">", "\\pm": "±", "\\times": "×", "\\cdot": "·", "\\leq": "≤", "\\geq": "≥"}

_TOKEN = re.compile(
    r"\{\\(?P<acc>[`'^\"~=.])\s*(?:\{(?P<b1>\\?[A-Za-z])\}|(?P<b2>\\?[A-Za-z]))\}"  # {\'e} {\'{e}} {\'{\i}}
    r"|\{\\(?P<lacc>[uvHckrdb])\s*(?:\{(?P<b3>\\?[A-Za-z])\}|\s(?P<b4>[A-Za-z]))\}"  # {\v{c}} {\c c}
    r"|\{\\(?P<word>[A-Za-z]+)\}"  # {\ss} {\o} {\textasciitilde}
    r"|\{\\(?P<esc>[&%#$_{}\- ,])\}"  # {\&} {\%} {\{}
    r"|\{\\ensuremath\{(?P<math>\\?[a-z]+|[<>])\}\}"  # {\ensuremath{<}} {\ensuremath{\pm}}
    r"|\{(?P<typo>---|--|``|''|`|'|~)\}"  # {--} {``} {'} {~}
    r"|(?P<bare>``|'')"  # quotes unbraced (some exports convert them so); a bare -- goes to from_latex (_RISKY)
)
_NEEDS_DECODING = re.compile(r"[\\{}$~%`]|''|--")
_RISKY = re.compile(r"[\\$%]|--|[?!]`")  # syntax left after the known forms (and TeX's dashes): pylatexenc
_SPACES = re.compile(r"\s+")
_ONLY_DASHES = re.compile(r"[^\\{}$~%`'&!?]*--[^\\{}$~%`'&!?]*\Z")


def _token(match: re.Match[str]) -> str:
    groups = match.groupdict()
    accent = groups["acc"] or groups["lacc"]
    if accent is not None:
        base = groups["b1"] or groups["b2"] or groups["b3"] or groups["b4"] or ""
        base = {"\\i": "i", "\\j": "j"}.get(base, base)
        if base.startswith("\\"):
            return "\ue00f"  # an accent on another macro: unknown, let pylatexenc have it
        return unicodedata.normalize("NFC", base + _ACCENTS[accent])
    if (word := groups["word"]) is not None:
        text = _LETTER_MACROS.get(word)
        if text is None:
            return "\ue00f"
        return _SAFE_SYMBOLS.get(text, text)
    if (escaped := groups["esc"]) is not None:
        return _ESCAPED[escaped]
    if (math := groups["math"]) is not None:
        return _MATH_SYMBOLS.get(math, "\ue00f")
    return _TYPOGRAPHY[groups["typo"] or groups["bare"]]


# Forms pylatexenc reads otherwise than `_token` (besides `--` and `&`), and the placeholders' range.
_READ_OTHERWISE = re.compile(r"\\-|[!?]`|\\textperiodcentered|[\ue000-\ue00f]")
# Forms `_token` does not read, read here as pylatexenc reads them: {'} and {`} (a straight quote and a
# backtick, as placeholders until the end), \textbf{ \textit{ \emph{ (a group: their text), and \url{...}
# with a plain address (<address>; pylatexenc makes -- in it a dash).
_PYLATEXENC_FORMS = re.compile(r"\{'\}|\{`\}|\\url\{([A-Za-z0-9:/._=?+@#-]*)\}")
_PYLATEXENC_GROUPS = re.compile(r"\\(?:textbf|textit|emph)\{")  # first: \textbf{'} is {'}
_QUOTE_PLACEHOLDERS = str.maketrans({"\ue007": "'", "\ue008": "`"})


def _pylatexenc_form(match: re.Match[str]) -> str:
    form = match[0]
    if form == "{'}":
        return "\ue007"
    if form == "{`}":
        return "\ue008"
    return form if "--" in match[1] else f"<{match[1]}>"  # \url{...}


def _as_pylatexenc(value: str) -> str | None:
    """`value` decoded by the Anthology's forms (`decode_latex`'s) and `_PYLATEXENC_FORMS`, when that is what
    pylatexenc gives; None when it holds anything else, unbalanced braces, or what the two read differently:
    `--` outside {--} and {---} (pylatexenc makes it a dash), a bare `&` (pylatexenc drops it), {\\-} (a soft
    hyphen), !` and ?` (¡ ¿), {\\textperiodcentered} (˙).

    Checked equal to pylatexenc on every form `_TOKEN` and `_PYLATEXENC_FORMS` read, alone, in pairs and
    between letters, spaces and punctuation, and on the 88,609 distinct values of the DBLP samples, an
    Anthology export and the real-world .bib files that hold more than brace groups (28,072 of them take this
    path)."""
    if ("--" in value.replace("{---}", "").replace("{--}", "") or "&" in value.replace("{\\&}", "")
            or _READ_OTHERWISE.search(value) is not None):
        return None
    text = _TOKEN.sub(_token, _PYLATEXENC_FORMS.sub(_pylatexenc_form, _PYLATEXENC_GROUPS.sub("{", value)))
    if "\ue00f" in text or _RISKY.search(text) is not None or not balanced(text):
        return None
    text = text.replace("{", "").replace("}", "").replace("~", "\u00a0")
    return clean(text.translate(_PLACEHOLDERS).translate(_QUOTE_PLACEHOLDERS))


def decode_latex(value: str) -> str:
    """A BibTeX value as plain Unicode, white space collapsed: `Jim{\\'e}nez` → `Jiménez`.

    The brace groups the Anthology's encoder writes are decoded here, fast; anything else
    (math, `\\textit`, unknown macros) goes through `from_latex`.
    """
    if _NEEDS_DECODING.search(value) is None:
        return _SPACES.sub(" ", value).strip() if ("  " in value or "\n" in value or "\t" in value) else value.strip()
    if _ONLY_DASHES.match(value):  # `101--117`: TeX's dashes and nothing else (as from_latex reads them, fast)
        return _SPACES.sub(" ", value.replace("---", "\u2014").replace("--", "\u2013")).strip()
    text = _TOKEN.sub(_token, value)
    if "\ue00f" in text or _RISKY.search(text) is not None:
        return from_latex(value)
    text = text.replace("{", "").replace("}", "").replace("~", "\u00a0")
    return _SPACES.sub(" ", text.translate(_PLACEHOLDERS)).strip()


# --- title normalisation -------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")
_LATEX_SYNTAX = re.compile(r"[\\{}]")


def normalise_title(title: str) -> str:
    """A title reduced for comparison: lower case, LaTeX decoded, accents folded, `&` as `and`,
    punctuation and hyphens as spaces, white space collapsed. Idempotent.

    `"{S}elf-{I}nstruct: Aligning  Models"` → `"self instruct aligning models"`.
    """
    if _LATEX_SYNTAX.search(title) is not None:
        title = decode_latex(title)
    text = title.lower()
    if not text.isascii():
        text = ascii_fold(text).lower()
    if "&" in text:
        text = text.replace("&", " and ")
    return _NON_WORD.sub(" ", text).strip()


# Words that carry no information for finding candidates, and a crude stemmer so that
# "Model"/"Models" and "Generated"/"Generating" meet in the inverted index (only there:
# normalise_title and by_title are exact).
_STOPWORDS = frozenset(
    "a an the of for in on to with and or by at as from via is are be its into do does can how "
    "what when why we our your it this that".split()
)


def _stem(token: str) -> str:
    if len(token) > 5 and token.endswith("ing"):
        token = token[:-3]
    elif len(token) > 4 and token.endswith("ed"):
        token = token[:-2]
    elif len(token) > 4 and token.endswith("ies"):
        token = token[:-3] + "y"
    elif len(token) > 4 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if len(token) > 4 and token.endswith("e"):
        token = token[:-1]
    return token


_STEMS: dict[str, str] = dict.fromkeys(_STOPWORDS, "")  # memo of _stem; "" marks a stop word


def _terms(normalised: str) -> set[str]:
    """The stemmed, informative words of a normalised title."""
    stems = _STEMS
    terms = set()
    for token in normalised.split():
        stem = stems.get(token)
        if stem is None:
            stem = _stem(token)
            if len(stems) < 500_000:  # bounded: the Anthology's vocabulary is far smaller
                stems[token] = stem
        if stem:
            terms.add(stem)
    return terms
