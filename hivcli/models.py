"""List the registered models: name, family, parameter count (deep models) and what each one is."""

from __future__ import annotations

from hivcli.common import console, guarded

NAME = "models"


@guarded
def command() -> None:
    from rich.table import Table

    from zoo.registry import list_models, model_info

    table = Table(title="Model zoo (hiv cv --model NAME)")
    for column, justify in (("name", "left"), ("family", "left"), ("parameters", "right"),
                            ("description", "left")):
        table.add_column(column, justify=justify)
    for name in list_models():
        info = model_info(name)
        n = info.get("n_params")
        table.add_row(name, info["family"], f"{n:,}" if n is not None else "—", info["description"])
    console.print(table)
