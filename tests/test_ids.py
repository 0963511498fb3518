"""Every identifier form users paste, and the ones that must be refused."""

from __future__ import annotations

import pytest

from exporter.errors import IdentifierError
from exporter.ids import Identifier, parse_id

ACCEPTED = [
    # Links real lists use: arXiv's old PDF path, the Anthology's old per-paper pages.
    ("https://arxiv.org/ftp/arxiv/papers/1704/1704.08006.pdf", Identifier("arxiv", "1704.08006")),
    ("https://www.aclweb.org/anthology/papers/Q/Q19/Q19-1004/", Identifier("acl", "Q19-1004")),
    # arXiv, new style, with and without version
    ("2109.01652", Identifier("arxiv", "2109.01652")),
    ("2109.01652v3", Identifier("arxiv", "2109.01652", 3)),
    ("1501.00001", Identifier("arxiv", "1501.00001")),
    ("0704.0001", Identifier("arxiv", "0704.0001")),
    # arXiv, old style
    ("cs/0112017", Identifier("arxiv", "cs/0112017")),
    ("hep-th/9901001v2", Identifier("arxiv", "hep-th/9901001", 2)),
    ("math.GT/0309136", Identifier("arxiv", "math.GT/0309136")),
    # prefixes, URLs and DOIs
    ("arXiv:2109.01652", Identifier("arxiv", "2109.01652")),
    ("arxiv: 2109.01652v5", Identifier("arxiv", "2109.01652", 5)),
    ("https://arxiv.org/abs/2109.01652", Identifier("arxiv", "2109.01652")),
    ("http://arxiv.org/abs/2109.01652v2/", Identifier("arxiv", "2109.01652", 2)),
    ("https://arxiv.org/pdf/2212.10560v2", Identifier("arxiv", "2212.10560", 2)),
    ("https://arxiv.org/pdf/2212.10560.pdf", Identifier("arxiv", "2212.10560")),
    ("https://arxiv.org/html/2402.01234v1", Identifier("arxiv", "2402.01234", 1)),
    ("https://huggingface.co/papers/2305.14314", Identifier("arxiv", "2305.14314")),
    ("https://www.alphaxiv.org/abs/2305.14314v2", Identifier("arxiv", "2305.14314", 2)),
    ("https://ar5iv.labs.arxiv.org/html/2109.01652", Identifier("arxiv", "2109.01652")),
    ("https://export.arxiv.org/abs/hep-th/9901001", Identifier("arxiv", "hep-th/9901001")),
    ("arxiv.org/abs/2109.01652?context=cs", Identifier("arxiv", "2109.01652")),
    ("10.48550/arXiv.2109.01652", Identifier("arxiv", "2109.01652")),
    ("https://doi.org/10.48550/arXiv.2109.01652", Identifier("arxiv", "2109.01652")),
    ("  2109.01652  ", Identifier("arxiv", "2109.01652")),
    # ACL Anthology, new and old style
    ("2022.acl-long.244", Identifier("acl", "2022.acl-long.244")),
    ("2023.findings-emnlp.350", Identifier("acl", "2023.findings-emnlp.350")),
    ("2023.bsnlp-1.12", Identifier("acl", "2023.bsnlp-1.12")),
    ("P19-1001", Identifier("acl", "P19-1001")),
    ("W18-5446", Identifier("acl", "W18-5446")),
    ("https://aclanthology.org/2022.acl-long.244/", Identifier("acl", "2022.acl-long.244")),
    ("https://aclanthology.org/2022.acl-long.244.pdf", Identifier("acl", "2022.acl-long.244")),
    ("aclanthology.org/P19-1001", Identifier("acl", "P19-1001")),
    ("https://www.aclweb.org/anthology/P19-1001.pdf", Identifier("acl", "P19-1001")),
    ("https://aclweb.org/anthology/W18-5446/", Identifier("acl", "W18-5446")),
    ("10.18653/v1/2022.acl-long.244", Identifier("acl", "2022.acl-long.244")),
    ("https://doi.org/10.18653/v1/P19-1001", Identifier("acl", "P19-1001")),
    ("p19-1001", Identifier("acl", "P19-1001")),
    ("10.18653/v1/p19-1001", Identifier("acl", "P19-1001")),
    ("https://aclanthology.org/2022.acl-long.244v2.pdf", Identifier("acl", "2022.acl-long.244")),
]

REFUSED = [
    "",
    "2109.0165",  # one digit short
    "2109.016521",  # one digit long
    "21090.1652",
    "arXiv:",
    "https://arxiv.org/abs/",
    "https://example.org/abs/2109.01652",
    "10.1145/3442188.3445922",  # a DOI, but neither arXiv's nor the ACL's
    "2022.acl-long",  # a volume, not a paper
    "P19",
    "https://aclanthology.org/events/acl-2022/",
    "hep-th/99010",
    "not an id",
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_forms(text: str, expected: Identifier) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize("text", REFUSED)
def test_refused_forms(text: str) -> None:
    with pytest.raises(IdentifierError, match="is not an arXiv, ACL Anthology or DBLP id"):
        parse_id(text)


def test_kind_restricts_the_forms() -> None:
    with pytest.raises(IdentifierError, match="is not an ACL Anthology id"):
        parse_id("2109.01652", "acl")
    with pytest.raises(IdentifierError, match="is not an arXiv id"):
        parse_id("P19-1001", "arxiv")


def test_full_form_keeps_the_pinned_version() -> None:
    assert parse_id("2109.01652v3").full == "2109.01652v3"
    assert parse_id("hep-th/9901001").full == "hep-th/9901001"
    assert str(parse_id("P19-1001")) == "acl:P19-1001"


@pytest.mark.parametrize(
    "text",
    [
        "2113.01652", "1412.00001", "1501.0001", "hep-th/9913001",
        "0612.1234", "0001.0001",  # before new-style ids began (0704)
        "2109.01652v0", "2109.01652v03",  # versions start at 1
        "２１０９.０１６５２",  # non-ASCII digits
    ],
)
def test_impossible_dates_and_lengths_are_refused(text: str) -> None:
    with pytest.raises(IdentifierError):
        parse_id(text, "arxiv")
