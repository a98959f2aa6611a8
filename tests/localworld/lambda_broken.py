"""A handler module whose import fails: its function's init fails."""

raise ImportError("this module cannot be imported")


def handler(event: object, context: object) -> None:  # pragma: no cover - never reached
    return None
