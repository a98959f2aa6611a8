"""Wire the emulator into moto: its SSM actions answer from the emulator, in this process.

moto dispatches an action to the method of ``SimpleSystemManagerResponse`` named after it, so
replacing those methods makes both ``mock_aws`` and a moto server running in this process (the
local world's) answer from the emulator, with the caller's account taken from its credentials.
Only one emulator can be installed at a time; the returned callable restores moto and closes the
emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.ssm.responses import SimpleSystemManagerResponse

from localworld.patching import replace_methods
from localworld.ssm.emulator import SsmEmulator
from localworld.wire import JSON_CONTENT_TYPE, json_body

__all__ = ["EMULATED_ACTIONS", "install_ssm_emulator"]

EMULATED_ACTIONS: tuple[str, ...] = (
    "DescribeInstanceInformation",
    "SendCommand",
    "ListCommandInvocations",
    "GetCommandInvocation",
    "ListCommands",
    "CancelCommand",
    "CreateDocument",
    "DescribeDocument",
    "GetDocument",
    "DeleteDocument",
    "ListDocuments",
    "ModifyDocumentPermission",
    "DescribeDocumentPermission",
)


def _method_name(action: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in action).lstrip("_")


def _handler(emulator: SsmEmulator, action: str) -> Callable[[Any], tuple[int, dict[str, str], str]]:
    def handle(response: Any) -> tuple[int, dict[str, str], str]:
        body = response.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        request = json.loads(body) if body else {}
        result = emulator.handle(action, response.current_account, response.region, request)
        # Written straight from the result (localworld.wire): moto's serializer would cost the
        # world milliseconds per SendCommand, hundreds of times a second in a fan-out.
        return 200, {"Content-Type": JSON_CONTENT_TYPE}, json_body(result)

    handle.__name__ = _method_name(action)
    return handle


def install_ssm_emulator(emulator: SsmEmulator) -> Callable[[], None]:
    """Make moto's SSM answer from ``emulator``; call the result to undo it (and close it)."""
    return replace_methods(
        SimpleSystemManagerResponse,
        {_method_name(action): _handler(emulator, action) for action in EMULATED_ACTIONS},
        what="an SSM emulator",
        after_undo=emulator.close,
    )
