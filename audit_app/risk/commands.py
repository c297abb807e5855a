"""`pca risk evaluate --dataset kcs`: the risk model's benchmark, run from the console."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

risk_cli = AppGroup("risk", help="The risk engine: scoring models and their benchmarks.")

# Where a checkout sits next to the shared data (../shared/data/kcs from the repository).
DEFAULT_KCS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kcs"


@risk_cli.command("evaluate", with_appcontext=False)  # needs no database
@click.option("--dataset", type=click.Choice(["kcs"]), default="kcs", show_default=True,
              help="kcs: the public KCS benchmark (spec/data-formats.md, section 6)")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              envvar="PCA_KCS_DIR", default=DEFAULT_KCS_DIR, show_default=True,
              help="Folder holding the three KCS files (env: PCA_KCS_DIR).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def evaluate_cmd(dataset: str, data_dir: Path, seed: int, as_json: bool) -> None:
    """Fit on train, stop early on valid, and report precision@n% on test."""
    from .kcs import evaluate_kcs  # lightgbm is heavy: load it only for this command

    result = evaluate_kcs(data_dir, seed=seed)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    rows = {"model": result["model"], **result["baselines"]}
    click.echo(f"{dataset} test split, {result['rows']['test']} rows "
               f"(train {result['rows']['train']}, valid {result['rows']['valid']})")
    click.echo(f"{'ranker':<20}" + "".join(f"{'p@' + f + '%':>8}" for f in ("1", "2", "5", "10")))
    for name, figures in rows.items():
        click.echo(f"{name:<20}" + "".join(f"{v:>8.3f}" for v in figures.values()))
    click.echo(f"{result['seconds']} s, seed {seed}")


COMMANDS = [risk_cli]
