"""Screenshots of each page at 1280 and 390 px, for a reviewer to look at (`make screenshots`).

Serves the app with uvicorn on a free 127.0.0.1 port, drives Debian's Chromium with
Playwright (no browser download), and writes PNGs to the folder given (git-ignored).
"""

import argparse
import re
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from csc_graph.api.app import create_app
from csc_graph.config import Settings

CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1280, 390)
PAGES = [
    "/",
    "/query",
    "/queries",
    "/queries/services-for-child?age=15&concern=child-criminal-exploitation",
    "/queries/describe-unit",
    "/id/lewisham/safe-space",
    "/id/lewisham/youth-justice",
    "/resource?iri=http%3A%2F%2Fwww.w3.org%2Fns%2Forg%23subOrganizationOf",
    "/ontology",
    "/pathways?format=html",
    "/pathways?age=15&concern=child-criminal-exploitation&format=html",
    "/coverage?format=html",
    "/validation?format=html",
    "/conflicts?format=html",
    "/docs",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _name(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(Settings()), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.1)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            for width in WIDTHS:
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}", viewport={"width": width, "height": 900}
                )
                page = context.new_page()
                for path in PAGES:
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    target = args.out / f"{_name(path)}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target)
                context.close()
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
