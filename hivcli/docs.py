"""The README's CLI reference, generated from the Typer app so it cannot drift from `--help`.

`python -m hivcli.docs` rewrites the block between the markers in README.md; a test fails when the README
holds anything else.
"""

from __future__ import annotations

import enum
import re
import sys
from pathlib import Path

START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def cli_reference() -> str:
    """Markdown: one section per command with its help text and a table of its options."""
    import typer
    from typer._click import core  # Typer vendors click; its Context lists the commands

    from hivcli.app import app

    group = typer.main.get_command(app)
    ctx = core.Context(group, info_name="hiv")
    parts = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        params = [p for p in cmd.params if p.name != "help"]
        args = " ".join(p.name.upper() for p in params if p.param_type_name == "argument")
        parts.append(f"### `hiv {name}{' ' + args if args else ''}`\n")
        parts.append(_clean(cmd.help or "") + "\n")
        opts = [p for p in params if p.param_type_name == "option"]
        if opts:
            parts.append("| option | default | meaning |\n|---|---|---|")
            for p in opts:
                flags = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
                default = getattr(p.default, "value", p.default)
                default = "required" if p.required else ("" if default is None or default is False
                                                         else f"`{default}`")
                meaning = _clean(p.help or "").replace("|", "\\|").replace("\n", " ")
                kind = p.type_descriptor.annotation
                if isinstance(kind, type) and issubclass(kind, enum.Enum):
                    meaning += f" One of: {', '.join(str(c.value) for c in kind)}."
                parts.append(f"| {flags} | {default} | {meaning} |")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def _clean(text: str) -> str:
    return re.sub(r"\[/?[a-z ]+\]", "", text).strip()


def update_readme(path: Path) -> bool:
    """Rewrite the reference block of README.md; True when it changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{cli_reference()}{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    print(f"{readme}: {'updated' if update_readme(readme) else 'already up to date'}")
