"""The README is the front door: it stays short, and no link in it or in docs/ leads nowhere.

Every relative link and image in README.md and docs/*.md must name a file that exists, and
an #anchor must name a heading of that file, slugged as GitHub slugs them. Links inside code
(fenced blocks, `spans`) are text, not links. Links to other sites are not followed: no test
touches the network.
"""

from __future__ import annotations

import re
from pathlib import Path

README_MAX_LINES = 300

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def repo_root() -> Path:
    """The folder that holds README.md and the Makefile, wherever this file sits in tests/."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "README.md").is_file() and (folder / "Makefile").is_file():
            return folder
    raise AssertionError("no README.md and Makefile above tests/")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, with code spans blanked out."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, CODE_SPAN.sub("code", line)))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a Markdown file; a repeated heading gets -1, -2, …"""
    seen: dict[str, int] = {}
    found = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(files: list[Path]) -> list[str]:
    """'file:line: target (why)' for every relative link that leads nowhere."""
    broken = []
    for source in files:
        for number, line in prose_lines(source.read_text(encoding="utf-8")):
            for target in LINK.findall(line):
                if SCHEME.match(target):
                    continue
                path_part, _, anchor = target.partition("#")
                dest = (source.parent / path_part).resolve() if path_part else source
                where = f"{source.name}:{number}: {target}"
                if not dest.exists():
                    broken.append(f"{where} (no such file)")
                elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                    broken.append(f"{where} (no such heading)")
    return broken


def documents(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def test_every_link_in_the_readme_and_docs_resolves():
    root = repo_root()
    files = documents(root)
    assert len(files) > 1, "docs/ holds no pages"
    assert broken_links(files) == []


def test_the_readme_stays_short_and_starts_with_the_commands():
    text = (repo_root() / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    opening = text.split("\n## ", 1)[0]  # the title and what Pictor is, before any section
    for command in ("make run", "make test", "make test-fast"):
        assert re.search(rf"^{command}\s", opening, re.MULTILINE), f"{command} is not up front"


def test_the_checker_finds_a_missing_file_and_a_missing_heading(tmp_path: Path):
    (tmp_path / "b.md").write_text(
        "# Title\n\n## Scanning (`bench/scan_bench.py`)\n\n## Twice\n## Twice\n"
    )
    (tmp_path / "a.md").write_text(
        "[fine](b.md#scanning-benchscan_benchpy) [fine too](b.md#twice-1) [here](#a-heading)\n"
        "# A heading\n"
        "[gone](missing.md) [no anchor](b.md#nowhere) [web](https://example.com/x)\n"
        "`[in code](missing-too.md)`\n"
        "```\n[in a block](missing-three.md)\n```\n"
    )
    assert broken_links([tmp_path / "a.md"]) == [
        "a.md:3: missing.md (no such file)",
        "a.md:3: b.md#nowhere (no such heading)",
    ]
