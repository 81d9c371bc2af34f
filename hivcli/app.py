"""The `hiv` command: one Typer app, one module per command.

Command modules import only typer/rich at top level; numpy-heavy, torch and scikit-learn imports
happen inside the command functions so `hiv --help` and non-training commands start fast.
"""

from __future__ import annotations

import typer

from hivcli import cv, explore, featurize, models, predict, report, simulate, train

app = typer.Typer(
    name="hiv",
    help="Predict HIV-1 therapy response from PR/RT sequences, VL-t0 and CD4-t0, with honest "
         "cross-validation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

for module in (simulate, featurize, explore, models, cv, report, train, predict):
    app.command(name=module.NAME, help=module.__doc__)(module.command)


def main() -> None:
    app()
