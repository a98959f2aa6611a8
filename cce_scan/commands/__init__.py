"""Sub-commands of ``cce-scan``: each module defines ``register(subparsers)`` and sets ``run``."""
