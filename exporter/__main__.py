"""Allow `python -m exporter`."""

from exporter.cli import run

run()
