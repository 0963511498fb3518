"""exporter: one papers.toml in, BibTeX, CSL-JSON, RIS and a Markdown paper list out."""

__version__ = "0.1.0"
