"""One document model written twice: a self-contained HTML page and a Markdown twin.

Both renderings come from the same sections, so the two files cannot drift apart. HTML embeds every
figure as a base64 PNG and carries its CSS inline: the page works offline and can be mailed as one file.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Cell:
    """A table cell with emphasis (best value, known DRM) that both renderings show."""

    text: str
    strong: bool = False
    mark: bool = False


@dataclass(frozen=True)
class _Text:
    text: str
    note: bool = False


@dataclass(frozen=True)
class _Figure:
    filename: str
    png: bytes
    caption: str


@dataclass(frozen=True)
class _Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str | None


@dataclass(frozen=True)
class _Code:
    text: str


@dataclass
class Section:
    id: str
    title: str
    blocks: list = field(default_factory=list)

    def text(self, text: str) -> Section:
        self.blocks.append(_Text(text))
        return self

    def note(self, text: str) -> Section:
        """A sentence that stands in for a part the run does not have."""
        self.blocks.append(_Text(text, note=True))
        return self

    def figure(self, filename: str, png: bytes, caption: str) -> Section:
        self.blocks.append(_Figure(filename, png, caption))
        return self

    def table(self, columns, rows, caption: str | None = None) -> Section:
        cells = tuple(tuple(c if isinstance(c, Cell) else Cell(str(c)) for c in row) for row in rows)
        self.blocks.append(_Table(tuple(columns), cells, caption))
        return self

    def code(self, text: str) -> Section:
        self.blocks.append(_Code(text))
        return self


class Page:
    def __init__(self, title: str, subtitle: str = ""):
        self.title, self.subtitle = title, subtitle
        self.sections: list[Section] = []

    def section(self, id: str, title: str) -> Section:
        if any(s.id == id for s in self.sections):
            raise ValueError(f"duplicate section id {id!r}")
        self.sections.append(Section(id, title))
        return self.sections[-1]

    @property
    def figures(self) -> list[_Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, _Figure)]

    def write(self, out_dir: Path, stem: str, *, markdown: bool = True) -> tuple[Path, Path | None]:
        """Write `<stem>.html`, `<stem>.md` and the PNGs under `<stem>_figures/`, each atomically.

        PNGs of an earlier page with the same stem that this page no longer has are removed, so the folder
        never shows a model that is not in the run any more.
        """
        out_dir = Path(out_dir)
        figures_dir = f"{stem}_figures"
        fig_dir = out_dir / figures_dir
        fig_dir.mkdir(parents=True, exist_ok=True)
        names = {fig.filename for fig in self.figures}
        if len(names) != len(self.figures):
            raise ValueError("two figures share a file name")
        for old in fig_dir.glob("*.png"):
            if old.name not in names:
                old.unlink()
        for fig in self.figures:
            atomic_write(fig_dir / fig.filename, fig.png)
        html_path = out_dir / f"{stem}.html"
        atomic_write(html_path, self.to_html().encode("utf-8"))
        md_path = None
        if markdown:
            md_path = out_dir / f"{stem}.md"
            atomic_write(md_path, self.to_markdown(figures_dir).encode("utf-8"))
        return html_path, md_path

    # -- HTML -------------------------------------------------------------------------------------
    def to_html(self) -> str:
        e = html.escape
        nav = "".join(f'<a href="#{e(s.id)}">{e(s.title)}</a>' for s in self.sections)
        body = [f"<header><h1>{e(self.title)}</h1>"
                + (f'<p class="subtitle">{_inline(self.subtitle)}</p>' if self.subtitle else "")
                + f"<nav>{nav}</nav></header>", "<main>"]
        for s in self.sections:
            body.append(f'<section id="{e(s.id)}"><h2>{e(s.title)}</h2>')
            body.extend(_block_html(b) for b in s.blocks)
            body.append("</section>")
        body.append("</main>")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{e(self.title)}</title><style>{_CSS}</style></head>\n<body>\n"
                + "\n".join(body) + "\n</body></html>\n")

    # -- Markdown ---------------------------------------------------------------------------------
    def to_markdown(self, figures_dir: str = "figures") -> str:
        out = [f"# {self.title}", ""]
        if self.subtitle:
            out += [self.subtitle, ""]
        out += ["Contents: " + " · ".join(f"[{s.title}](#{s.id})" for s in self.sections), ""]
        for s in self.sections:
            out += [f'<a id="{s.id}"></a>', "", f"## {s.title}", ""]
            for b in s.blocks:
                out += _block_markdown(b, figures_dir) + [""]
        return "\n".join(out).rstrip() + "\n"


_INLINE_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Escaped text with `code` spans, the one piece of Markdown the pages use."""
    return _INLINE_CODE.sub(r"<code>\1</code>", html.escape(text))


def _cell_html(c: Cell, tag: str = "td") -> str:
    text = html.escape(c.text).replace("\n", "<br>")
    if c.strong:
        text = f"<strong>{text}</strong>"
    cls = ' class="mark"' if c.mark else ""
    return f"<{tag}{cls}>{text}</{tag}>"


def _block_html(b) -> str:
    e = html.escape
    if isinstance(b, _Text):
        text = _inline(b.text)
        return f'<p class="note">{text}</p>' if b.note else f"<p>{text}</p>"
    if isinstance(b, _Figure):
        data = base64.b64encode(b.png).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{e(b.caption)}">'
                f"<figcaption>{e(b.caption)}</figcaption></figure>")
    if isinstance(b, _Table):
        head = "".join(f"<th>{e(c)}</th>" for c in b.columns)
        rows = "".join("<tr>" + "".join(_cell_html(c) for c in row) + "</tr>" for row in b.rows)
        cap = f"<caption>{e(b.caption)}</caption>" if b.caption else ""
        return (f'<div class="table"><table>{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table></div>")
    if isinstance(b, _Code):
        return f"<pre>{e(b.text)}</pre>"
    raise TypeError(type(b))


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _block_markdown(b, figures_dir: str) -> list[str]:
    if isinstance(b, _Text):
        return [f"> {b.text}" if b.note else b.text]
    if isinstance(b, _Figure):
        alt = b.filename.rsplit(".", 1)[0].replace("_", " ")
        return [f"![{alt}]({figures_dir}/{b.filename})", "", f"*{b.caption}*"]
    if isinstance(b, _Table):
        def cell(c: Cell) -> str:
            t = _md_escape(c.text)
            return f"**{t}**" if (c.strong or c.mark) and t else t
        lines = ([f"*{b.caption}*", ""] if b.caption else [])
        lines += ["| " + " | ".join(_md_escape(c) for c in b.columns) + " |",
                  "|" + "|".join("---" for _ in b.columns) + "|"]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in b.rows]
        return lines
    if isinstance(b, _Code):
        return ["```", b.text, "```"]
    raise TypeError(type(b))


def atomic_write(path: Path, data: bytes) -> None:
    """Temp file beside the target, then a rename (features.store): a reader never sees half a page."""
    from features.store import atomic_write_bytes

    atomic_write_bytes(path, data)


_CSS = """
:root{--fg:#1d232a;--muted:#5b6670;--line:#d8dee4;--bg:#ffffff;--band:#f5f7f9;--accent:#1f5fa8;--mark:#fff3cd}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header{padding:24px 40px 12px;border-bottom:1px solid var(--line);background:var(--band)}
h1{margin:0 0 4px;font-size:26px}
.subtitle{margin:0 0 10px;color:var(--muted)}
nav{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:14px}
nav a{color:var(--accent);text-decoration:none}
nav a:hover{text-decoration:underline}
main{max-width:1440px;padding:8px 40px 60px}
section{padding-top:18px;border-bottom:1px solid var(--line);padding-bottom:18px}
h2{font-size:20px;margin:8px 0 10px}
p{max-width:95ch}
.note{color:var(--muted);font-style:italic}
figure{margin:14px 0 22px}
figure img{max-width:100%;height:auto;display:block;border:1px solid var(--line)}
figcaption{color:var(--muted);font-size:14px;margin-top:6px;max-width:110ch}
.table{overflow-x:auto;margin:10px 0 20px}
table{border-collapse:collapse;font-size:13.5px;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);padding-bottom:6px}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th,td:first-child{white-space:nowrap}
code{font-size:90%;background:var(--band);padding:1px 4px;border-radius:3px}
th{background:var(--band);font-weight:600}
tbody tr:nth-child(even){background:#fafbfc}
td.mark{background:var(--mark)}
td{white-space:nowrap}
pre{background:var(--band);border:1px solid var(--line);padding:12px;overflow-x:auto;font-size:12.5px;
max-height:520px}
"""
