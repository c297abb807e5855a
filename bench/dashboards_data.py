"""A throwaway database for the dashboard benchmarks: N declaration items and M audit cases at
every stage, with findings, case events, open tasks and ledger entries, inserted in bulk (not
through the services: a million items through the ORM would take hours, and the dashboards only
read these tables), then the per-case facts rebuilt as `pca dashboards rebuild-facts` does.

    .venv/bin/python bench/dashboards_data.py --url sqlite:////tmp/dash-bench.sqlite3 \
        [--items 1000000] [--cases 100000] [--seed 7]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DIRECTORATES = [("PCA-S", "PCA South", "Karachi"), ("PCA-N", "PCA North", "Islamabad"),
                ("PCA-C", "PCA Central", "Lahore"), ("PCA-Q", "PCA Quetta", "Quetta")]
COLLECTORATES = {"PCA-S": ["KAPW", "KAPE", "KPQI"], "PCA-N": ["ISBD", "PSHW", "RWPD"],
                 "PCA-C": ["LAHD", "FSLD", "SKTD"], "PCA-Q": ["QTAD", "GWDR", "CHMN"]}
HS = ["84713010", "39011000", "85171300", "72085100", "52054700", "30049099", "87089900",
      "94036000", "85044090", "61091000", "40111000", "73089090"]
KINDS = ["UNDERVALUATION", "MISCLASSIFICATION", "ORIGIN", "CONCESSION", "QUANTITY"]
UTC = dt.timezone.utc
CHUNK = 20_000
PASSWORD = "bench-password-2026"


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i:i + CHUNK]


def insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for part in chunks(rows):
        conn.execute(table.insert(), part)


def generate(url: str, items: int, cases: int, seed: int) -> dict[str, Any]:
    from sqlalchemy import text

    from audit_app import create_app
    from audit_app.commands.database import upgrade
    from audit_app.db import Base

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "DEMO": False,
                      "INSTANCE_PATH": "/tmp/pca-bench-instance"})
    with app.app_context():
        upgrade(url)
    engine = app.extensions["pca_db"].engine
    t = Base.metadata.tables
    rng = np.random.default_rng(seed)
    now = dt.datetime(2026, 11, 20, 6, tzinfo=UTC)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL synchronous_commit = off"))
        insert(conn, t["directorates"], [{"code": c, "name": n, "city": y} for c, n, y in DIRECTORATES])
        insert(conn, t["collectorates"], [{"code": k, "name": f"Collectorate {k}", "directorate_code": d}
                                          for d, ks in COLLECTORATES.items() for k in ks])
        from audit_app.auth.passwords import hash_password
        users = [{"id": 1, "username": "manager", "full_name": "Bench Manager",
                  "password_hash": hash_password(PASSWORD),
                  "directorate_code": None, "is_active": True, "failed_logins": 0, "created_at": now}]
        for n in range(40):
            d = DIRECTORATES[n % 4][0]
            users.append({"id": n + 2, "username": f"auditor{n}", "full_name": f"Auditor {n:02d}",
                          "password_hash": "x", "directorate_code": d, "is_active": True,
                          "failed_logins": 0, "created_at": now})
        insert(conn, t["users"], users)
        insert(conn, t["user_roles"], [{"user_id": 1, "role": "management", "granted_at": now}] +
               [{"user_id": u["id"], "role": "auditor", "granted_at": now} for u in users[1:]])
        n_importers = max(10, items // 50)
        insert(conn, t["importers"], [{"id": i + 1, "ntn": f"{1000000 + i}-{i % 10}",
                                       "name": f"Importer {i:05d} (Pvt) Ltd", "created_at": now}
                                      for i in range(n_importers)])
        insert(conn, t["tariff_rates"], [{"id": 1, "hs_code": "84713010", "valid_from": dt.date(2020, 1, 1),
                                          "description": "bench", "cd_rate": 20, "rd_rate": 0, "acd_rate": 2,
                                          "st_rate": 18, "ast_rate": 3, "it_rate": Decimal("5.5"),
                                          "row_hash": "x"}])
        # Declarations of 3 items, GD dates from 2024-01 to 2026-10.
        n_decl = (items + 2) // 3
        collectorates = [k for ks in COLLECTORATES.values() for k in ks]
        decl_coll = rng.integers(0, len(collectorates), n_decl)
        decl_day = rng.integers(0, 1034, n_decl)
        decl_imp = rng.integers(1, n_importers + 1, n_decl)
        start = dt.date(2024, 1, 1)
        insert(conn, t["declarations"], [
            {"id": i + 1, "gd_number": f"{collectorates[decl_coll[i]]}-HC-{i:07d}",
             "gd_date": start + dt.timedelta(days=int(decl_day[i])),
             "collectorate": collectorates[decl_coll[i]], "channel": "GREEN",
             "importer_id": int(decl_imp[i]), "item_count": 3, "declared_value_pkr": 0,
             "duty_paid_pkr": 0, "amendment_count": 0, "first_received_at": now, "updated_at": now}
            for i in range(n_decl)])
        hs = rng.integers(0, len(HS), items)
        values = rng.integers(50_000, 5_000_000, items)
        rows = []
        for i in range(items):
            v = int(values[i])
            rows.append({"id": i + 1, "declaration_id": i // 3 + 1, "item_no": i % 3 + 1,
                         "hs_code": HS[hs[i]], "description": "bench goods", "origin_country": "CN",
                         "quantity": 10, "unit": "U", "currency": "USD", "invoice_value": v / 280,
                         "exchange_rate": 280, "declared_value_pkr": v, "assessed_value_pkr": v,
                         "cd_pkr": v // 5, "rd_pkr": 0, "acd_pkr": v // 50, "st_pkr": v * 18 // 100,
                         "ast_pkr": v * 3 // 100, "it_pkr": v * 55 // 1000, "row_hash": "x",
                         "version": 1, "updated_at": now})
            if len(rows) == 100_000:
                insert(conn, t["declaration_items"], rows)
                rows = []
        insert(conn, t["declaration_items"], rows)
        counts["items"] = items
        conn.execute(t["risk_runs"].insert(), [{"id": 1, "kind": "select", "created_by": "bench",
                                                "items_scored": 0, "started_at": now}])
        counts.update(_cases(conn, t, rng, cases, n_decl, collectorates, decl_coll, decl_imp, now))
        # The per-case facts the services keep as they work, made the way
        # `pca dashboards rebuild-facts` makes them (the rows above bypassed the services).
        from sqlalchemy.orm import Session
        from audit_app.services import case_facts
        facts_started = time.perf_counter()
        with Session(bind=conn) as session:
            counts["case_facts"] = case_facts.rebuild(session)
            session.flush()
        counts["case_facts_seconds"] = round(time.perf_counter() - facts_started, 1)
        insert(conn, t["risk_monitoring"], [
            {"subject_type": "rule", "subject_key": f"RULE-{k}", "period_from": dt.date(2024, 1, 1),
             "period_to": dt.date(2026, 10, 31), "selected": 1000 * (k + 1), "audited": 100 * (k + 1),
             "hits": 30 * (k + 1) + k, "yield_pkr": 1_000_000 * (k + 1), "computed_at": now,
             "details": {"name": f"Rule {k}", "fraud_kind": KINDS[k % 5], "baseline_hit_rate": 0.3}}
            for k in range(8)] + [
            {"subject_type": "selection", "subject_key": b, "period_from": dt.date(2024, 1, 1),
             "period_to": dt.date(2026, 10, 31), "selected": s, "audited": s * 3, "hits": h,
             "yield_pkr": h * 90_000, "computed_at": now, "details": {}}
            for b, s, h in (("risk", 90_000, 120_000), ("random", 10_000, 6_000))])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _cases(conn: Any, t: Any, rng: Any, cases: int, n_decl: int, collectorates: list[str],
           decl_coll: Any, decl_imp: Any, now: dt.datetime) -> dict[str, int]:
    directorate_of = {k: d for d, ks in COLLECTORATES.items() for k in ks}
    opened = rng.integers(0, 880, cases)  # days after 2024-06-01
    fate = rng.random(cases)
    proposals, audit_cases, case_items, findings, events, ledger, instances, tasks = ([] for _ in range(8))
    first = dt.datetime(2024, 6, 1, 5, tzinfo=UTC)
    decl_order = rng.permutation(n_decl)[:cases]  # each case audits one declaration's 3 items
    finding_id = 0
    for c in range(cases):
        cid = c + 1
        decl = int(decl_order[c])
        coll = collectorates[decl_coll[decl]]
        directorate = directorate_of[coll]
        created = first + dt.timedelta(days=int(opened[c]), hours=int(c % 8))
        if created > now:
            created = now - dt.timedelta(days=1)
        proposals.append({"id": cid, "run_id": 1, "importer_id": int(decl_imp[decl]),
                          "directorate_code": directorate, "basis": "random" if c % 10 == 0 else "risk",
                          "status": "converted", "expected_short_levy_pkr": 1000, "items_count": 3,
                          "reason": "bench", "created_by": "bench", "created_at": created - dt.timedelta(days=3)})
        f = fate[c]
        observed = created + dt.timedelta(days=30 + int(c % 60))
        done = f > 0.3 and observed < now
        hit = done and f > 0.55
        status = "open"
        closed_at = None
        if done:
            status = ("closed_no_change" if not hit else "closed_voluntary_payment" if f < 0.62
                      else "recovered" if f > 0.85 else "adjudged")
            closed_at = observed + dt.timedelta(days=20) if status.startswith("closed") else None
        short = Decimal(int(50_000 + (c * 7919) % 4_000_000)) if hit else Decimal(0)
        audit_cases.append({"id": cid, "case_number": f"{directorate}/{created.year}/{cid:06d}",
                            "proposal_id": cid, "importer_id": int(decl_imp[decl]),
                            "directorate_code": directorate, "status": status, "audit_type": "desk",
                            "auditor_id": 2 + (c % 40), "short_levy_total_pkr": short,
                            "amount_paid_pkr": 0, "created_at": created, "closed_at": closed_at})
        for k in range(3):
            item_id = decl * 3 + k + 1
            case_items.append({"id": cid * 3 + k, "case_id": cid, "item_id": item_id,
                               "expected_short_levy_pkr": 500, "reasons": ["bench"]})
            if hit and k == 0:
                finding_id += 1
                half = (short / 2).quantize(Decimal(1))
                findings.append({"id": finding_id, "case_item_id": cid * 3 + k,
                                 "kinds": [KINDS[c % 5]], "declared_value_pkr": 1, "declared_hs_code": "84713010",
                                 "declared_origin": "CN", "declared_quantity": 1, "correct_value_pkr": 2,
                                 "correct_hs_code": "84713010", "correct_origin": "CN", "correct_quantity": 1,
                                 "evidence": "bench", "tariff_rate_id": 1, "rates_applied": {},
                                 "due_cd_pkr": half, "due_rd_pkr": 0, "due_acd_pkr": 0,
                                 "due_st_pkr": short - half, "due_ast_pkr": 0, "due_it_pkr": 0,
                                 "short_cd_pkr": half, "short_rd_pkr": 0, "short_acd_pkr": 0,
                                 "short_st_pkr": short - half, "short_ast_pkr": 0, "short_it_pkr": 0,
                                 "short_total_pkr": short, "recorded_at": created})
        if done:
            events.append({"case_id": cid, "at": observed, "kind": "task_completed",
                           "element_id": "issue_observation", "summary": "Issue audit observation completed"})
            if closed_at:
                events.append({"case_id": cid, "at": closed_at, "kind": "case_closed",
                               "element_id": status, "summary": "Case ended"})
            elif hit:
                events.append({"case_id": cid, "at": observed + dt.timedelta(days=15), "kind": "case_closed",
                               "element_id": "referred_to_adjudication", "summary": "Case ended"})
        if hit:
            half = (short / 2).quantize(Decimal(1))
            day = observed.date()

            def post(account: str, levy: str, amount: Decimal, on: dt.date, kind: str) -> None:
                ledger.append({"case_id": cid, "account": account, "levy": levy, "amount_pkr": amount,
                               "entry_date": on, "kind": kind, "recorded_at": now})
            for account in ("detected", "observed"):
                post(account, "cd", half, day - dt.timedelta(days=5 if account == "detected" else 0), account)
                post(account, "st", short - half, day, account)
            if status in ("adjudged", "recovered"):
                order = day + dt.timedelta(days=120)
                if order < now.date():
                    post("contravened", "cd", half, day + dt.timedelta(days=30), "scn_issued")
                    post("adjudged", "cd", half, order, "order_in_original")
                    post("adjudged", "penalty", Decimal(10_000), order, "order_in_original")
                    post("demanded", "cd", half, order + dt.timedelta(days=1), "demand_raised")
                    post("demanded", "penalty", Decimal(10_000), order + dt.timedelta(days=1), "demand_raised")
                    paid_on = order + dt.timedelta(days=40)
                    if status == "recovered" and paid_on < now.date():
                        post("paid", "cd", half, paid_on, "payment")
                        post("paid", "penalty", Decimal(10_000), paid_on, "payment")
                    elif c % 7 == 0:
                        post("stayed", "cd", (half / 2).quantize(Decimal(1)), order + dt.timedelta(days=20), "stay_granted")
            elif status == "closed_voluntary_payment":
                post("paid", "cd", half, day + dt.timedelta(days=10), "voluntary_payment")
        if status == "open":
            instances.append({"id": cid, "case_id": cid, "process_id": "pca_audit", "spec_hash": "x",
                              "state": "{}", "state_format": 1, "status": "running", "version": 1,
                              "created_at": created, "updated_at": created})
            due = created + dt.timedelta(days=30)
            tasks.append({"instance_id": cid, "case_id": cid, "task_id": f"bench-{cid}",
                          "element_id": "examine_records", "name": "Examine records", "lane": "auditor",
                          "directorate_code": directorate, "assignee_id": 2 + (c % 40),
                          "opened_at": created, "due_on": due.date(), "due_at": due})
    insert(conn, t["audit_proposals"], proposals)
    insert(conn, t["audit_cases"], audit_cases)
    insert(conn, t["case_items"], case_items)
    insert(conn, t["findings"], findings)
    insert(conn, t["case_events"], events)
    insert(conn, t["ledger_entries"], ledger)
    insert(conn, t["workflow_instances"], instances)
    insert(conn, t["open_tasks"], tasks)
    return {"cases": cases, "case_items": len(case_items), "findings": len(findings),
            "case_events": len(events), "ledger_entries": len(ledger), "open_tasks": len(tasks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(generate(args.url, args.items, args.cases, args.seed)))


if __name__ == "__main__":
    main()
