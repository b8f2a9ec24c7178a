"""The README and docs/: every relative link points to a file that exists (and, with #anchor, to a heading of that
file, as GitHub names headings), and the README still gives the test command that .ci/run runs. No models."""
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _unfenced(text: str) -> str:
    """The text without its fenced code blocks, where a # line is no heading."""
    return re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.S | re.M)


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code spans, where a [x](y) is not a link."""
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", _unfenced(text), flags=re.S)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lower-cased, characters other than letters, marks, numbers,
    connector punctuation, spaces and hyphens dropped, spaces made hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)          # a link in a heading: its text
    text = text.replace("`", "").replace("*", "").strip().lower()
    kept = "".join(c for c in text if c in " -" or unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "Pc")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found, seen = set(), {}
    for line in _unfenced(page.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(page: Path) -> list[str]:
    return LINK.findall(_prose(page.read_text(encoding="utf-8")))


def broken() -> list[str]:
    bad = []
    for page in PAGES:
        for target in links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):     # http:, https:, mailto: … not checked here
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / unquote(path)).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: {target}"
            if not dest.exists():
                bad.append(f"{where} (no such file)")
            elif anchor and dest.suffix == ".md" and unquote(anchor) not in anchors(dest):
                bad.append(f"{where} (no such heading)")
    return bad


def test_every_relative_link_resolves():
    assert len(PAGES) > 1
    assert broken() == []


def test_the_checker_finds_a_broken_link(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# 参考 · Reference\n\n## Re-runs and the chain of custody\n",
                                            encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "[ok](docs/a.md#参考--reference) [ok](docs/a.md#re-runs-and-the-chain-of-custody) "
        "[gone](docs/b.md) [no heading](docs/a.md#nope) ![img](docs/x.png) `[code](docs/c.md)` "
        "[web](https://example.com)\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PAGES", [tmp_path / "README.md", tmp_path / "docs" / "a.md"])
    assert broken() == ["README.md: docs/b.md (no such file)", "README.md: docs/a.md#nope (no such heading)",
                        "README.md: docs/x.png (no such file)"]


def test_github_heading_slugs():
    assert slug("第一次运行 · The first run") == "第一次运行--the-first-run"
    assert slug("Diarization of 3–4 speakers") == "diarization-of-34-speakers"
    assert slug("`models/` is trusted between two `make models`") == "models-is-trusted-between-two-make-models"
    assert slug("Set-up: what `make` installs and how long it takes") == "set-up-what-make-installs-and-how-long-it-takes"


def test_readme_gives_the_commands_ci_and_users_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme                                   # .ci/run: "the README's test command"
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make transcript FILE=samples/zh_five_speakers.wav" in readme
    assert "make app" in readme
