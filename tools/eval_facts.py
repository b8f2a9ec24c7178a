"""make eval-facts: run the key-fact engine exactly as `exhibit facts` does (pipeline.text.facts_table.facts_for_csv)
on ../shared/eval/keyfacts_dev.csv and on our own cases (tests/data/keyfacts_cases.csv), and print precision,
recall and F1 per category and the share of amounts whose normalised value is exactly right.

    .venv/bin/python tools/eval_facts.py [--rules my_rules.toml]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pipeline.config import load_settings
from pipeline.csvio import read_csv
from pipeline.text.facts_score import score, table
from pipeline.text.facts_table import facts_for_csv
from pipeline.text.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
FILES = (ROOT.parent / "shared" / "eval" / "keyfacts_dev.csv", ROOT / "tests" / "data" / "keyfacts_cases.csv")
RECORDED_ON = date(2025, 3, 5)   # both tables are read as said on this day (dev line d03: 今天是2025年3月5号)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, action="append", default=[], help="an extra rule file")
    args = parser.parse_args()
    rules = load_rules(load_settings(rules=args.rules).facts.paths)
    for path in FILES:
        _, expected = read_csv(path)
        found = facts_for_csv(path, rules, RECORDED_ON)
        sys.stdout.write(table(path.name, score(expected, found), len(expected)) + "\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
