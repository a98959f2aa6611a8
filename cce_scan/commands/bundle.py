"""``cce-scan bundle build --out DIR``: write the reproducible check bundle and print its SHA-256."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ssm_documents.bundle_tar import build_bundle

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bundle", help="build the check bundle (script.tar)")
    actions = parser.add_subparsers(dest="bundle_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write DIR/script.tar and print its SHA-256")
    build.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    build.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    built = build_bundle(args.out)
    print(f"{built.sha256}  {built.path}")
    return 0
