"""Markdown primitives shared by every markdown renderer (report, comparison, gate comment).

Names from the input (layers come from users' ONNX files) may contain anything. They are shown
as inline code, which GitHub renders literally: no links, images, HTML, mentions or emphasis.
Other text that may quote a name (finding messages, paths) has every markdown special escaped.
"""

from __future__ import annotations

import re

from trtprof.reports.common import COMMANDS, short_name

_BACKTICKS = re.compile(r"`+")
# CommonMark lets a backslash escape any ASCII punctuation. These are the ones that can start
# markup mid-line on GitHub: emphasis, links, images, HTML, entities, tables, math ($), emoji (:),
# issue references (#).
_PUNCT = re.compile(r"([\\`*_\[\]<>!|~#&$:])")
# GitHub turns bare URLs, www. hosts and @name into links and notifications even when their
# punctuation is escaped; a zero-width space breaks the pattern without changing what is read.
_AUTOLINK = re.compile(r"(?i)(://|www\.|@(?=\w))")
_ZWSP = "\u200b"


def one_line(text) -> str:
    """Newlines and control characters would end a table row or a list item."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", str(text))


def code(name, width: int | None = None, *, table: bool = False) -> str:
    """A name as an inline code span: literal on GitHub, whatever it contains. ``width``
    shortens it first; ``table``: for a table cell (GFM splits cells at pipes before it
    parses code spans, so ``|`` is escaped even inside code)."""
    text = one_line(name)
    if not text.strip():
        return "-"
    if width:
        text = short_name(text, width)
    # Keep the bots' comment markers ("<!-- trtprof-... -->") unique in a comment.
    text = text.replace("<!--", "<" + _ZWSP + "!--")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # A span that starts or ends with a backtick (or a space) needs padding spaces, which
    # CommonMark strips again.
    if text[0] in "` " or text[-1] in "` ":
        text = f" {text} "
    if table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def escape(text) -> str:
    """Prose with every markdown special escaped (safe in table cells too)."""
    text = _AUTOLINK.sub(lambda m: m.group(1)[0] + _ZWSP + m.group(1)[1:], one_line(text))
    return _PUNCT.sub(r"\\\1", text)




def _spans(text: str, pattern: re.Pattern[str], between) -> str:
    """``text`` with each match of ``pattern`` as a code span (the group that matched, if any,
    else the match) and the text between rendered by ``between``."""
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(between(text[pos:m.start()]))
        out.append(code(m.group(m.lastindex or 0), table=True))
        pos = m.end()
    out.append(between(text[pos:]))
    return "".join(out)


def _words(text: str) -> str:
    """Our own words: escaped, with the commands they quote in backticks and the flags they
    name as code spans."""
    return _spans(text, COMMANDS, escape)


def link(label: str, url: str) -> str:
    """A link to ``url`` (http/https only: a report URL is given by the user, not the input)."""
    if not re.match(r"https?://[^\s<>()]+$", url):
        return escape(f"{label}: {url}")
    return f"[{escape(label)}]({url})"


def prose(text, names: list[str]) -> str:
    """Escaped prose where the names it quotes are shown as code spans (matched first, so a
    backtick inside a name is never taken for one of ours)."""
    text = one_line(text)
    names = sorted({n for n in names if n and n in text}, key=len, reverse=True)
    if not names:
        return _words(text)
    return _spans(text, re.compile("|".join(re.escape(one_line(n)) for n in names)), _words)


INLINE_NAMES = 3       # a list's first names inline, the rest folded away
MAX_FOLDED = 50        # and at most this many in the fold (the JSON/HTML report has them all)


def name_list(label: str, names: list[str], indent: str = "", width: int | None = None
              ) -> list[str]:
    """``label: a, b, c`` then the other names in a ``<details>`` fold, as markdown lines
    (``indent``: to sit inside a list item). A wall of code spans would bury the comment."""
    if not names:
        return []
    lines = [f"{indent}{label}: " + ", ".join(code(n, width) for n in names[:INLINE_NAMES])]
    rest = names[INLINE_NAMES:]
    if rest:
        items = [f"{indent}- {code(n, width)}" for n in rest[:MAX_FOLDED]]
        if len(rest) > MAX_FOLDED:
            items.append(f"{indent}- and {len(rest) - MAX_FOLDED:,} more")
        lines += ["", f"{indent}<details><summary>{len(rest):,} more</summary>", "", *items,
                  "", f"{indent}</details>"]
    return lines


def report_link(url: str | None) -> list[str]:
    """The comment's link to the full report (e.g. the CI artifact), as its own paragraph."""
    return [f"📄 {link('Full report', url)}", ""] if url else []
