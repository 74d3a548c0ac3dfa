"""A PDF of a report page, printed by a headless Chromium (when one is installed)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from posecoach.errors import PdfError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    return next((b for b in map(shutil.which, BROWSERS) if b), None)


def html_to_pdf(page: str, out: Path, *, timeout_s: float = 120) -> None:
    """Print the HTML page to ``out`` as a PDF; raises ``PdfError`` with one line."""
    browser = find_browser()
    if browser is None:
        raise PdfError(f"{out}: a PDF needs Chromium (Debian: apt-get install chromium); "
                       f"or write the report as .html and print it from a browser")
    with tempfile.TemporaryDirectory(prefix="posecoach-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(page, encoding="utf-8")
        part = out.with_name(f".{out.name}.part")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", f"--user-data-dir={Path(tmp) / 'profile'}",
               "--no-pdf-header-footer", f"--print-to-pdf={part}", src.as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            part.unlink(missing_ok=True)
            raise PdfError(f"{out}: Chromium did not finish the PDF within {timeout_s:.0f} s") from None
        if not part.is_file() or part.read_bytes()[:5] != b"%PDF-":
            part.unlink(missing_ok=True)
            raise PdfError(f"{out}: Chromium did not write a PDF; write the report as .html instead")
        part.replace(out)
