"""The ``cce-scan`` command line: each sub-command lives in its own module under ``cce_scan.commands``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from scanner.errors import CceScanError
from ssm_documents.errors import HostPartError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Collect every module in ``cce_scan.commands`` that defines ``register(subparsers)``."""
    from cce_scan import commands

    parser = argparse.ArgumentParser(
        prog="cce-scan",
        description="KISA CCE configuration scans of Linux hosts across AWS accounts.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (CceScanError, HostPartError) as exc:
        print(f"cce-scan: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cce-scan: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
