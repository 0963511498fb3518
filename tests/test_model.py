"""The record model: name splitting, LaTeX decoding, citation keys."""

from __future__ import annotations

import pytest

from exporter.model import Name, Record, assign_keys, base_key, from_latex, split_name


@pytest.mark.parametrize(
    ("full", "family", "given"),
    [
        ("Teven Le Scao", "Le Scao", "Teven"),
        ("Peter H. N. de With", "de With", "Peter H. N."),
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Jan Van den Bussche", "Van den Bussche", "Jan"),
        ("Quoc V. Le", "Le", "Quoc V."),
        ("Le Hou", "Hou", "Le"),  # "Le" as a given name is no particle
        ("M Saiful Bari", "Bari", "M Saiful"),
        ("Wen-tau Yih", "Yih", "Wen-tau"),
        ("Michal Štefánik", "Štefánik", "Michal"),
        ("  Jason   Wei ", "Wei", "Jason"),
        ("BigScience", "BigScience", ""),
    ],
)
def test_split_name(full: str, family: str, given: str) -> None:
    name = split_name(full)
    assert (name.family, name.given) == (family, given)


def test_suffix_is_kept_apart() -> None:
    assert split_name("Martin Luther King Jr.") == Name("King", "Martin Luther", "Jr.")


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("Super-{N}atural{I}nstructions", "Super-NaturalInstructions"),
        ("{C}o{E}d{IT}", "CoEdIT"),
        ("Jim{\\'e}nez Guti{\\'e}rrez", "Jiménez Gutiérrez"),
        ("Kadl{\\v{c}}{\\'\\i}k", "Kadlčík"),
        ("100{\\%} {---} {``}a{''}", "100% — “a”"),
        ("plain  text\n  wrapped", "plain text wrapped"),
    ],
)
def test_from_latex(latex: str, text: str) -> None:
    assert from_latex(latex) == text


def record(title: str, family: str, year: int) -> Record:
    return Record(id="", type="article", title=title, author=(Name(family, "A."),), issued=(year, 1))


def test_base_key_is_google_scholar_style() -> None:
    assert base_key(record("Finetuned Language Models Are Zero-Shot Learners", "Wei", 2021)) == "wei2021finetuned"
    assert base_key(record("The Flan Collection", "Longpre", 2023)) == "longpre2023flan"
    assert base_key(record("A Study", "Štefánik", 2023)) == "stefanik2023study"
    assert base_key(record("On the Use", "Le Scao", 2022)) == "lescao2022use"


def test_keys_are_unique_case_insensitively_and_stable() -> None:
    a = record("Scaling Laws", "Kaplan", 2020)
    b = record("Scaling Things", "Kaplan", 2020)
    c = record("Scaling Up", "Kaplan", 2020)
    keys = assign_keys([("a", a), ("b", b), ("c", c)], {})
    assert keys == {"a": "kaplan2020scaling", "b": "kaplan2020scalinga", "c": "kaplan2020scalingb"}
    # Keys already taken (locked or pinned) never move, even when a new colliding entry comes first.
    again = assign_keys([("new", a), ("a", a), ("b", b)], {"a": keys["a"], "b": keys["b"]})
    assert again == {"a": "kaplan2020scaling", "b": "kaplan2020scalinga", "new": "kaplan2020scalingb"}
    # A pinned key in other case still collides.
    assert assign_keys([("x", a)], {"p": "Kaplan2020Scaling"})["x"] == "kaplan2020scalinga"


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("On the $\\infty$-former", "On the ∞-former"),
        ("$k$NN-Prompt", "kNN-Prompt"),
        ("tuning -- finetuning --- and ``quoted''", "tuning – finetuning — and “quoted”"),
        ("InstructGPT~\\citep{ouyang2022training} and \\textbf{C}hinese", "InstructGPT and Chinese"),
        ("ChatGPT\\footnote{\\url{https://chat.openai.com/}}.", "ChatGPT (https://chat.openai.com/)."),
        ("90\\% and ~3% of it", "90% and ~3% of it"),  # a bare % is a percent sign on arXiv, ~ means "about"
        ("Sch\\\"utze, Kadl{\\v{c}}{\\'\\i}k, {\\ss}", "Schütze, Kadlčík, ß"),
        ("\\modelname outperforms", "\\modelname outperforms"),  # unknown macros stay as written
    ],
)
def test_arxiv_tex_becomes_plain_unicode(tex: str, text: str) -> None:
    from exporter.model import from_arxiv_tex

    assert from_arxiv_tex(tex) == text


def test_a_venue_override_makes_a_preprint_a_conference_paper() -> None:
    from exporter.model import apply_overrides

    preprint = Record(id="k", type="article", title="T", author=(), issued=(2021, 9), publisher="arXiv",
                      number="2109.01652", arxiv="2109.01652")
    published = apply_overrides(preprint, {"venue": "ICLR 2022", "year": 2022})
    assert (published.type, published.container_title, published.publisher, published.number) == (
        "paper-conference", "ICLR 2022", "", "")
    assert published.arxiv == "2109.01652" and published.issued == (2022,)


def test_type_and_month_overrides() -> None:
    from exporter.model import apply_overrides

    preprint = Record(id="k", type="article", title="T", author=(), issued=(2021, 9, 3), publisher="arXiv",
                      number="2109.01652", arxiv="2109.01652")
    journal = apply_overrides(preprint, {"type": "article-journal", "venue": "TACL", "year": 2023, "month": 2})
    assert (journal.type, journal.container_title, journal.publisher, journal.issued) == (
        "article-journal", "TACL", "", (2023, 2))
    # A month alone keeps the resolved year; a year alone drops the resolved month.
    assert apply_overrides(preprint, {"month": 11}).issued == (2021, 11)
    assert apply_overrides(preprint, {"year": 2022}).issued == (2022,)


def test_a_manual_entry_is_built_from_the_toml_alone() -> None:
    from exporter.records import build_record
    from exporter.sources import Entry

    entry = Entry(index=1, line=1, overrides={"title": "Alpaca", "authors": ["Rohan Taori"], "year": 2023, "month": 3,
                                              "url": "https://crfm.stanford.edu/2023/03/13/alpaca.html"})
    record = build_record(entry, {}, key="taori2023alpaca")
    assert (record.type, record.title, record.author, record.issued) == (
        "document", "Alpaca", (Name("Taori", "Rohan"),), (2023, 3))
    assert (record.link, record.list_date, record.arxiv, record.DOI) == (
        "https://crfm.stanford.edu/2023/03/13/alpaca.html", "2023.3", "", "")
    assert entry.uid == "manual:alpaca" and entry.manual
    # With a venue and no type it is a conference paper; with only a DOI the list links the DOI.
    paper = build_record(Entry(index=2, line=5, overrides={"title": "X", "venue": "ICML 2023", "doi": "10.1/x"}), {}, key="x")
    assert (paper.type, paper.container_title, paper.link) == ("paper-conference", "ICML 2023", "https://doi.org/10.1/x")
