"""The Command document: valid 2.2, every parameter declared and quoted, shellcheck clean, and
not injectable through any parameter (unlike a seed-style document)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cce_scan.cli import main
from ssm_documents.document import TEMPLATE_PATH, render_document
from ssm_documents.errors import DocumentError
from tests.bundle.support import (
    PARAM,
    SHA,
    load,
    presigned,
    refused,
    run_like_agent,
    step_script,
)

BUCKET = "cce-results-123456789012"
REGION = "ap-northeast-2"
SCHEMA = json.loads((Path(__file__).parent / "command_document_2_2.schema.json").read_text())
SHELLCHECK = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "shellcheck"
AWS_PREFIX = f"https://{BUCKET}.s3.{REGION}.amazonaws.com/"
LOCAL_PREFIX = f"http://127.0.0.1:54321/{BUCKET}/"

# A document the way the seed wrote it: open-ended or unanchored patterns, values pasted bare.
SEED_DOCUMENT = """\
schemaVersion: "2.2"
description: seed-style document
parameters:
  scriptUrl: {type: String, allowedPattern: "https://.*"}
  uploadUrl: {type: String, allowedPattern: ".*amazonaws.com.*"}
  workingDirectory: {type: String, default: /tmp, allowedPattern: "/.*"}
mainSteps:
  - action: aws:runShellScript
    name: download
    inputs:
      runCommand:
        - cd {{ workingDirectory }}
        - curl -s -o script.tar {{ scriptUrl }}
  - action: aws:runShellScript
    name: upload
    inputs:
      runCommand:
        - cd {{ workingDirectory }}
        - curl -s -X PUT -T result.tar "{{ uploadUrl }}"
"""


def good_values(prefix_endpoint: str | None = None) -> dict[str, str]:
    return {
        "scriptUrl": presigned("get_object", BUCKET, f"bundles/{SHA}/script.tar", prefix_endpoint),
        "uploadUrl": presigned(
            "put_object",
            BUCKET,
            "results/20261126T204500-a1b2c3/123456789012/i-0123456789abcdef0.tar",
            prefix_endpoint,
        ),
        "workingDirectory": "/var/lib/cce-scan/20261126T204500-a1b2c3",
        "bundleSha256": SHA,
    }


def injections() -> list[tuple[str, str]]:
    url = good_values()["scriptUrl"]
    put = good_values()["uploadUrl"]
    attempts: list[tuple[str, str]] = []
    for name, base in (("scriptUrl", url), ("uploadUrl", put)):
        attempts += [
            (name, base + "';touch /tmp/pwned;'"),
            (name, base + ";touch${IFS}/tmp/pwned"),
            (name, base + "$(touch /tmp/pwned)"),
            (name, base + "`touch /tmp/pwned`"),
            (name, base + "|touch /tmp/pwned"),
            (name, base + "&&touch /tmp/pwned"),
            (name, base + "&&x=1"),
            (name, base + " -o /etc/passwd"),
            (name, base + "\ntouch /tmp/pwned"),
            (name, base + "\t-K/etc/shadow"),
            (name, base.replace(BUCKET, "attacker-bucket")),
            (name, base.replace("https://", "http://")),
            (name, "https://evil.example.com/" + base.split("/", 3)[3]),
            (name, base.replace(".amazonaws.com/", ".amazonaws.com.evil.example/")),
            (name, base + '"'),
            (name, ""),
        ]
    attempts += [
        ("scriptUrl", url.replace(f"bundles/{SHA}/script.tar", "bundles/../results/x.tar")),
        ("uploadUrl", put.replace("results/20261126T204500-a1b2c3", "results/..")),
        ("workingDirectory", "/tmp/x';touch /tmp/pwned;'"),
        ("workingDirectory", "/tmp/x;touch /tmp/pwned"),
        ("workingDirectory", "/tmp/$(id)"),
        ("workingDirectory", "/tmp/x y"),
        ("workingDirectory", "/tmp/../etc"),
        ("workingDirectory", "/tmp/x/.."),
        ("workingDirectory", "relative/dir"),
        ("workingDirectory", "/"),
        ("workingDirectory", "/tmp//x"),
        ("workingDirectory", "/tmp/x\n/etc"),
        ("bundleSha256", SHA + ";id"),
        ("bundleSha256", SHA.upper()),
        ("bundleSha256", SHA[:-1]),
        ("bundleSha256", SHA + "\n"),
    ]
    return attempts


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    return load(render_document(BUCKET, REGION))


def test_document_template_is_valid_command_document_2_2(rendered: dict[str, Any]) -> None:
    jsonschema.validate(rendered, SCHEMA)
    assert [s["name"] for s in rendered["mainSteps"]] == ["download", "run", "upload", "cleanup"]
    # only the last step may be a finallyStep: the clean-up runs whatever came before
    assert [s["inputs"].get("finallyStep", False) for s in rendered["mainSteps"]] == [
        False,
        False,
        False,
        True,
    ]


def test_document_every_parameter_used_is_declared_and_every_declared_one_used(
    rendered: dict[str, Any],
) -> None:
    used = {
        m.group(1)
        for step in rendered["mainSteps"]
        for line in step["inputs"]["runCommand"]
        for m in PARAM.finditer(line)
    }
    assert (
        used == set(rendered["parameters"]) == {"scriptUrl", "uploadUrl", "workingDirectory", "bundleSha256"}
    )


def test_document_every_value_is_single_quoted_in_run_command(rendered: dict[str, Any]) -> None:
    for step in rendered["mainSteps"]:
        for line in step["inputs"]["runCommand"]:
            for match in PARAM.finditer(line):
                # inside a single-quoted word: an odd number of quotes before it, and a closing one after
                assert line[: match.start()].count("'") % 2 == 1, line
                assert "'" in line[match.end() :], line


def test_document_steps_stop_on_failure_run_on_linux_and_are_time_limited(rendered: dict[str, Any]) -> None:
    for step in rendered["mainSteps"]:
        assert step["action"] == "aws:runShellScript"
        assert step["inputs"]["onFailure"] == "exit"
        assert step["precondition"] == {"StringEquals": ["platformType", "Linux"]}
        assert 0 < int(step["inputs"]["timeoutSeconds"]) <= 3600
        assert "maxAttempts" not in step
    download = "\n".join(rendered["mainSteps"][0]["inputs"]["runCommand"])
    assert "curl -fsS --retry 3" in download
    assert download.index("sha256sum -c") < download.index("tar --no-same-owner")
    assert "curl -fsS --retry 3" in "\n".join(rendered["mainSteps"][2]["inputs"]["runCommand"])
    # write-once: the result URL signs If-None-Match (scanner/presign.py), the upload sends it
    assert "-H 'If-None-Match:*'" in "\n".join(rendered["mainSteps"][2]["inputs"]["runCommand"])


def test_document_allowed_patterns_are_anchored(rendered: dict[str, Any]) -> None:
    for name, spec in rendered["parameters"].items():
        assert spec["allowedPattern"].startswith("^"), name
        assert spec["allowedPattern"].endswith("$"), name


@pytest.mark.parametrize("step", ["download", "run", "upload", "cleanup"])
def test_document_run_command_of_each_step_is_shellcheck_clean(
    rendered: dict[str, Any], step: str, tmp_path: Path
) -> None:
    script = tmp_path / f"{step}.sh"
    script.write_text("#!/bin/sh\n" + step_script(rendered, step, good_values()))
    proc = subprocess.run(
        [str(SHELLCHECK), "-s", "sh", str(script)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("directory", ["/", "/etc", "/tmp", "/var/lib/..", "/var/./lib", "/var/lib/cce/"])
def test_document_refuses_a_working_directory_the_cleanup_could_not_remove_safely(
    rendered: dict[str, Any], directory: str
) -> None:
    # at least two levels below /, no . or .. component: the clean-up removes only that directory
    assert refused(rendered, "workingDirectory", directory)


def test_cleanup_removes_only_a_working_directory_the_download_step_marked(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    values = good_values()
    # GIVEN a directory that is not empty and not made by cce-scan: download refuses it, cleanup keeps it
    foreign = tmp_path / "foreign" / "work"
    foreign.mkdir(parents=True)
    (foreign / "keep").write_text("someone's file")
    values["workingDirectory"] = str(foreign)
    assert (
        run_like_agent(step_script(rendered, "download", values), tmp_path, tmp_path / "bin").returncode == 1
    )
    assert (
        run_like_agent(step_script(rendered, "cleanup", values), tmp_path, tmp_path / "bin").returncode == 0
    )
    assert (foreign / "keep").exists()
    # GIVEN a directory the download step marked: cleanup removes it whole, and a second time is a no-op
    own = tmp_path / "own" / "work"
    own.mkdir(parents=True)
    (own / ".cce-scan-workdir").write_text("")
    (own / "h.tar").write_text("x")
    values["workingDirectory"] = str(own)
    assert (
        run_like_agent(step_script(rendered, "cleanup", values), tmp_path, tmp_path / "bin").returncode == 0
    )
    assert not own.exists()
    assert (tmp_path / "own").is_dir()
    assert (
        run_like_agent(step_script(rendered, "cleanup", values), tmp_path, tmp_path / "bin").returncode == 0
    )


@pytest.mark.parametrize("endpoint", [None, LOCAL_PREFIX])
def test_document_admits_real_presigned_urls_of_the_bucket(endpoint: str | None) -> None:
    document = load(render_document(BUCKET, REGION, endpoint))
    for name, value in good_values(endpoint.rstrip("/").rsplit("/", 1)[0] if endpoint else None).items():
        assert not refused(document, name, value), (name, value)


@pytest.mark.parametrize(("name", "value"), injections())
def test_document_refuses_injection_attempt(rendered: dict[str, Any], name: str, value: str) -> None:
    assert refused(rendered, name, value)


def test_seed_style_document_is_injectable_where_ours_is_not(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    # GIVEN a fake curl (no network) and a value that smuggles a command after the URL
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "curl").write_text("#!/bin/sh\nexit 0\n")
    (fake_bin / "curl").chmod(0o755)
    marker = tmp_path / "pwned"
    evil = good_values()["scriptUrl"] + f";touch${{IFS}}{marker}"
    seed = load(SEED_DOCUMENT)
    # WHEN the seed's patterns judge it, it passes, and the agent's substitution runs the command
    assert not refused(seed, "scriptUrl", evil)
    run_like_agent(
        step_script(seed, "download", {"scriptUrl": evil, "workingDirectory": str(tmp_path)}),
        tmp_path,
        fake_bin,
    )
    assert marker.exists()
    marker.unlink()
    # THEN our document refuses the value before any host sees it, for every injection attempt
    assert refused(rendered, "scriptUrl", evil)
    seed_accepts = [(n, v) for n, v in injections() if n in seed["parameters"] and not refused(seed, n, v)]
    assert seed_accepts, "the seed-style patterns should accept some injection"
    assert all(refused(rendered, n, v) for n, v in seed_accepts)


def test_document_even_a_hostile_quote_free_value_stays_inside_its_quotes(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    # Defence in depth: pretend the pattern were bypassed with a value that has no single quote.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "curl").write_text(
        '#!/bin/sh\nfor a; do printf "%s\\n" "$a"; done > "$PWD/curl-args"\nexit 0\n'
    )
    (fake_bin / "curl").chmod(0o755)
    marker = tmp_path / "pwned"
    values = {**good_values(), "workingDirectory": str(tmp_path / "wd")}
    values["uploadUrl"] = f"x;touch {marker};$(touch {marker})`touch {marker}`|touch {marker}"
    (tmp_path / "wd").mkdir()
    (tmp_path / "wd" / "vm.tar").write_text("x")
    run_like_agent(step_script(rendered, "upload", values), tmp_path, fake_bin)
    assert not marker.exists()


def test_render_document_fills_the_endpoint_and_rejects_bad_input() -> None:
    text = render_document(BUCKET, REGION)
    assert "__BUCKET_ENDPOINT_RE__" not in text
    assert re.escape(AWS_PREFIX).replace("\\-", "-").replace("\\:", ":").replace("\\/", "/") in text
    assert "http://127\\.0\\.0\\.1:54321/" in render_document(BUCKET, REGION, LOCAL_PREFIX)
    for bad in [
        ("Bad_Bucket", REGION, None),
        (BUCKET, "mars-1", None),
        (BUCKET, REGION, "http://x/'y/"),
        (BUCKET, REGION, "ftp://x/"),
    ]:
        with pytest.raises(DocumentError):
            render_document(*bad)
    assert "{{" not in TEMPLATE_PATH.read_text().split("mainSteps")[0].split("parameters:")[1]


def test_document_render_command_prints_the_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["document", "render", "--bucket", BUCKET, "--region", REGION]) == 0
    assert load(capsys.readouterr().out)["schemaVersion"] == "2.2"
    out = tmp_path / "doc.yaml"
    assert (
        main(
            [
                "document",
                "render",
                "--bucket",
                BUCKET,
                "--region",
                REGION,
                "--endpoint",
                LOCAL_PREFIX,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "127\\.0\\.0\\.1" in out.read_text()
    assert main(["document", "render", "--bucket", "x", "--region", REGION]) == 2


def test_the_scanners_default_execution_time_is_the_documents_steps_together(
    rendered: dict[str, Any],
) -> None:
    """Presigned URLs and the tracking deadline follow ``execution_timeout_seconds``: it must
    cover the upload step, which starts only after download and run have had their time."""
    from scanner.config import ScanSettings

    steps = sum(int(step["inputs"]["timeoutSeconds"]) for step in rendered["mainSteps"])
    assert ScanSettings().execution_timeout_seconds == steps
