"""Print ``--bucket B --region R`` for ``cce-scan document render`` from a cce-scan configuration.

The document must be rendered for the bucket and region the configuration (and Terraform) use;
reading them from the validated configuration keeps one source of truth:

    cce-scan document render $(python packaging/config_args.py cce-scan.yaml) --out build/document.yaml
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from scanner.config import load_config
from scanner.errors import ConfigError


def document_args(path: str) -> list[str]:
    config = load_config(path)
    return ["--bucket", config.results_bucket, "--region", config.central.region]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: config_args.py CONFIG.yaml", file=sys.stderr)
        return 2
    try:
        print(" ".join(document_args(args[0])))
    except ConfigError as exc:
        print(f"config_args: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
