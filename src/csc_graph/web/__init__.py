"""Templates and static files for people, and the one Jinja environment that renders them.

Only the doors (api/, cli/) and the report formats here use it; the core never imports Jinja.
"""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

WEB_DIR = Path(__file__).resolve().parent

environment = Environment(
    loader=FileSystemLoader(WEB_DIR / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
