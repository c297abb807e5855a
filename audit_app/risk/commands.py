"""`pca risk ...`: train, list and activate models, score, and evaluate (own data or KCS)."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup, ScriptInfo

risk_cli = AppGroup("risk", help="The risk engine: scoring models and their benchmarks.")

# Where a checkout sits next to the shared data (../shared/data/kcs from the repository).
DEFAULT_KCS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kcs"
DATE = click.DateTime(formats=["%Y-%m-%d"])


def _user() -> str:
    try:
        return f"console:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "console"


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _service(action: Callable[[], Any]) -> Any:
    """Run a service; a domain error is a clear message and exit status 1, nothing committed."""
    from ..db import get_session
    from ..errors import DomainError
    try:
        return action()
    except DomainError as exc:
        get_session().rollback()
        raise click.ClickException(exc.message) from exc


@risk_cli.command("train")
@click.option("--until", type=DATE, default=None,
              help="Learn from outcomes made final up to this date [default: all].")
@click.option("--activate", is_flag=True, help="Make the new version the active model.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def train_cmd(until: dt.datetime | None, activate: bool, seed: int, as_json: bool) -> None:
    """Train a new model version on the audit outcomes."""
    from ..db import get_session
    from .model_store import train
    session = get_session()
    row = _service(lambda: train(session, _day(until), _user(), activate=activate, seed=seed))
    session.commit()
    if as_json:
        click.echo(json.dumps(_model_json(row), indent=2))
        return
    valid = (row.metrics or {}).get("validation") or {}
    click.echo(f"Model {row.version} trained on {row.rows_train:,} audited items "
               f"({row.rows_positive:,} with a finding), cleared {row.trained_from} to "
               f"{row.trained_to}; status {row.status}.")
    if valid:
        click.echo("Chronological validation: " + ", ".join(
            f"{k} {v}" for k, v in valid.items() if k not in ("rows", "positives")))


def _model_json(row: Any) -> dict[str, Any]:
    return {"version": row.version, "status": row.status, "algorithm": row.algorithm,
            "trained_from": str(row.trained_from), "trained_to": str(row.trained_to),
            "rows_train": row.rows_train, "rows_positive": row.rows_positive,
            "metrics": row.metrics, "sha256": row.sha256, "created_by": row.created_by,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "activated_at": row.activated_at.isoformat() if row.activated_at else None,
            "features": len(row.features or [])}


@risk_cli.command("models")
@click.option("--json", "as_json", is_flag=True)
def models_cmd(as_json: bool) -> None:
    """List model versions, their metrics, and which one is active."""
    from ..db import get_session
    from .model_store import list_models
    rows = list_models(get_session())
    if as_json:
        click.echo(json.dumps([_model_json(r) for r in rows], indent=2))
        return
    if not rows:
        click.echo("No model trained yet: scoring uses the cold-start blend (pca risk train).")
        return
    click.echo(f"{'version':<10}{'status':<11}{'trained on':<25}{'rows':>8}{'hits':>7}"
               f"{'AP':>8}{'p@5%':>7}{'p@10%':>7}  created by")
    for r in rows:
        v = (r.metrics or {}).get("validation") or {}
        click.echo(f"{r.version:<10}{r.status:<11}{f'{r.trained_from} to {r.trained_to}':<25}"
                   f"{r.rows_train:>8,}{r.rows_positive:>7,}{v.get('average_precision', '-'):>8}"
                   f"{v.get('precision_at_5', '-'):>7}{v.get('precision_at_10', '-'):>7}  "
                   f"{r.created_by}")


@risk_cli.command("activate")
@click.argument("version")
def activate_cmd(version: str) -> None:
    """Make VERSION the active model (checked before anything changes)."""
    from ..db import get_session
    from .model_store import activate_version
    session = get_session()
    row = _service(lambda: activate_version(session, version))
    session.commit()
    click.echo(f"Model {row.version} is now active.")


@risk_cli.command("score")
@click.option("--from", "date_from", type=DATE, default=None, help="First clearance date.")
@click.option("--to", "date_to", type=DATE, default=None, help="Last clearance date.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV: gd_number,item_no,score,expected_short_levy_pkr,reasons, best first.")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
def score_cmd(date_from: dt.datetime | None, date_to: dt.datetime | None, out: Path,
              as_json: bool) -> None:
    """Score the cleared items of a period, store the run and write the ranking."""
    from ..db import get_session
    from .scoring import score_period, write_csv
    session = get_session()
    started = time.perf_counter()
    scored = _service(lambda: score_period(session, _day(date_from), _day(date_to), _user()))
    session.commit()
    committed = time.perf_counter()
    write_csv(scored, out)
    steps = {**scored.seconds, "commit": round(committed - started - sum(scored.seconds.values()),
                                               2),
             "csv": round(time.perf_counter() - committed, 2)}
    summary = {"run_id": scored.run.id if scored.run else None, "items": len(scored.frame),
               "method": "model " + scored.model.version if scored.model else "cold start",
               "out": str(out), "seconds": round(time.perf_counter() - started, 2),
               "steps_seconds": steps}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"Scored {summary['items']:,} items ({summary['method']}), run "
               f"{summary['run_id']}; ranking written to {out} in {summary['seconds']} s.")


def _print_table(title: str, rows: dict[str, dict[str, float]]) -> None:
    keys = list(next(iter(rows.values())).keys())
    click.echo(title)
    click.echo(f"{'ranker':<20}" + "".join(
        f"{k.replace('precision_at_', 'p@').replace('revenue_at_', 'rev@') + '%':>9}"
        for k in keys))
    for name, figures in rows.items():
        click.echo(f"{name:<20}" + "".join(f"{figures[k]:>9.3f}" for k in keys))


def _evaluate_own(cut: dt.datetime | None, seed: int, as_json: bool) -> None:
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        from ..db import get_session
        from .evaluate_own import evaluate_own
        result = _service(lambda: evaluate_own(get_session(), _day(cut), seed=seed))
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    rows = result["rows"]
    _print_table(f"own data, audited items cleared from {result['cut']}: {rows['test']:,} test "
                 f"rows ({rows['test_positives']:,} with a finding); trained on "
                 f"{rows['train']:,} earlier", result["rankers"])
    click.echo(f"{result['seconds']} s, seed {seed}")


@risk_cli.command("evaluate", with_appcontext=False)  # kcs needs no database
@click.option("--dataset", type=click.Choice(["own", "kcs"]), default="own", show_default=True,
              help="own: the audited items in the database, split by date; kcs: the public "
                   "KCS benchmark (spec/data-formats.md, section 6)")
@click.option("--cut", type=DATE, default=None,
              help="own: first clearance date of the test part [default: latest 30%].")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="PCA_KCS_DIR", default=DEFAULT_KCS_DIR, show_default=True,
              help="Folder holding the three KCS files (env: PCA_KCS_DIR).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def evaluate_cmd(dataset: str, cut: dt.datetime | None, data_dir: Path, seed: int,
                 as_json: bool) -> None:
    """Report precision@n% (and revenue@n% on own data) for the model and naive rankers."""
    if dataset == "own":
        _evaluate_own(cut, seed, as_json)
        return
    from .kcs import evaluate_kcs  # lightgbm is heavy: load it only for this command

    if not data_dir.is_dir():  # checked here: evaluating own data needs no KCS folder
        raise click.BadParameter(f"directory {str(data_dir)!r} does not exist "
                                 "(set PCA_KCS_DIR or --data-dir)", param_hint="--data-dir")
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
