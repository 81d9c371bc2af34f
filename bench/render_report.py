"""Render an HTML page (report.html, explore.html) in headless Chromium to a PNG, for a visual check.

Not part of CI: it needs Debian's `chromium` package. The page must render with the network off, which
this also checks: Chromium starts with background networking disabled and the page has no URL to fetch.

    python bench/render_report.py runs/demo/cv/report.html [--out shot.png] [--width 1400] [--height 5000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def render(page: Path, out: Path, width: int = 1400, height: int = 5000) -> float:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        sys.exit("chromium not found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="hiv-chromium-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={profile}", f"--screenshot={out.resolve()}",
               f"--window-size={width},{height}", page.resolve().as_uri()]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        elapsed = time.perf_counter() - start
    if proc.returncode != 0 or not out.is_file():
        sys.exit(f"chromium failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="PNG to write (default: next to the page)")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=5000)
    args = ap.parse_args()
    if not args.page.is_file():
        sys.exit(f"{args.page}: no such file")
    out = args.out or args.page.with_suffix(".screenshot.png")
    elapsed = render(args.page, out, args.width, args.height)
    size = args.page.stat().st_size / 1e6
    print(f"{args.page} ({size:.1f} MB) rendered in {elapsed:.1f} s → {out}")


if __name__ == "__main__":
    main()
