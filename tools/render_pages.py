"""One page of a Word exhibit as a PNG, the way LibreOffice lays it out: for the README's picture and for
looking at the document without Word.

    .venv/bin/python tools/render_pages.py out/<name>/<name>.docx docs/exhibit_zh.png [--page 1] [--dpi 80]

docx → PDF (pipeline.export.pdf.docx_to_pdf, LibreOffice headless) → the page as PNG (pipeline.export.pdf.page_png,
poppler's pdftoppm): the app's files step does the same. Needs LibreOffice and poppler-utils: `make pdf-tools`
installs them on Debian."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.errors import PipelineError  # noqa: E402
from pipeline.export.pdf import docx_to_pdf, page_png  # noqa: E402


def render(docx: Path, png: Path, page: int = 1, dpi: int = 80) -> int | None:
    """Write page `page` of docx as png; returns the document's page count (None when unknown)."""
    with tempfile.TemporaryDirectory(prefix="exhibit-render-") as work:
        pdf = Path(work) / f"{Path(docx).stem}.pdf"        # errors name the document
        docx_to_pdf(docx, pdf)
        return page_png(pdf, png, page, dpi)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("docx", type=Path, help="the Word exhibit, e.g. out/<name>/<name>.docx")
    parser.add_argument("png", type=Path, help="where to write the page image, e.g. docs/exhibit_zh.png")
    parser.add_argument("--page", type=int, default=1, help="which page (1 = the first; default 1)")
    parser.add_argument("--dpi", type=int, default=80, help="resolution (default 80: about 660×940 for A4)")
    args = parser.parse_args(argv)
    try:
        pages = render(args.docx, args.png, args.page, args.dpi)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.png}: page {args.page}{f' of {pages}' if pages else ''} of {args.docx}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
