"""Helpers for the Command document tests: SSM-like parameter validation and agent-like execution."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config as BotoConfig

PARAM = re.compile(r"{{\s*([a-zA-Z0-9]+)\s*}}")
SHA = "ab" * 32


def load(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def refused(document: dict[str, Any], name: str, value: str) -> bool:
    """True when SSM refuses ``value`` for parameter ``name``.

    The service matches allowedPattern against the whole value (full match); the agent then runs
    Go's unanchored MatchString, so a value is accepted only when both accept it.
    """
    spec = document["parameters"][name]
    pattern = spec.get("allowedPattern")
    if "maxChars" in spec and len(value) > int(spec["maxChars"]):
        return True
    if pattern is None:
        return False
    return re.fullmatch(pattern, value) is None or re.search(pattern, value) is None


def substitute(command: str, values: dict[str, str]) -> str:
    """What the agent does: plain textual substitution, no escaping, ``$$`` -> ``$``."""
    return PARAM.sub(lambda m: values[m.group(1)].replace("$$", "$"), command)


def step_script(document: dict[str, Any], step: str, values: dict[str, str]) -> str:
    for item in document["mainSteps"]:
        if item["name"] == step:
            return "\n".join(substitute(line, values) for line in item["inputs"]["runCommand"]) + "\n"
    raise KeyError(step)


def run_like_agent(script: str, cwd: Path, fake_bin: Path) -> subprocess.CompletedProcess[str]:
    """Run a step's script as the agent does (``sh -c <file>``), with ``fake_bin`` first on PATH."""
    path = cwd / "_script.sh"
    path.write_text(script)
    path.chmod(0o700)
    env = {"PATH": f"{fake_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    return subprocess.run(
        ["sh", "-c", str(path)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def presigned(
    method: str, bucket: str, key: str, endpoint: str | None = None, region: str = "ap-northeast-2"
) -> str:
    """A real SigV4 presigned URL (computed offline, never requested)."""
    client = boto3.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="ASIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret/with+chars=",
        aws_session_token="IQoJb3JpZ2luX2VjEJr//////////wEaDmFwLW5vcnRoZWFzdC0yIkcwRQIhAK+/token==",
        config=BotoConfig(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint else "virtual"},
        ),
    )
    params: dict[str, str] = {"Bucket": bucket, "Key": key}
    if method == "get_object":
        params["ResponseContentDisposition"] = "attachment; filename=i-0123456789abcdef0-script.tar"
    return str(client.generate_presigned_url(method, Params=params, ExpiresIn=3600))
