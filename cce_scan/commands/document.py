"""``cce-scan document render --bucket B --region R [--endpoint URL] [--out FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ssm_documents.document import render_document

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("document", help="render the Command document")
    actions = parser.add_subparsers(dest="document_action", metavar="ACTION", required=True)
    render = actions.add_parser("render", help="fill the template for one results bucket")
    render.add_argument("--bucket", required=True, help="results bucket name")
    render.add_argument("--region", required=True, help="the bucket's region")
    render.add_argument(
        "--endpoint",
        default=None,
        help="URL prefix of the bucket when not AWS's virtual-hosted one, e.g. http://127.0.0.1:PORT/BUCKET/",
    )
    render.add_argument("--out", type=Path, default=None, help="write here instead of standard output")
    render.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = render_document(args.bucket, args.region, args.endpoint)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0
