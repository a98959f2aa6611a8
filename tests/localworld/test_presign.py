"""The presigned-URL gate answers real curl requests the way S3 does (SigV4 query auth, expiry)."""

from __future__ import annotations

import json
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.moto_api._internal.models import moto_api_backend

from localworld.accounts import Credentials, create_admin_key
from localworld.faults import Faults
from localworld.server import MotoServer

REGION: Final = "ap-northeast-2"
ACCOUNT = "111111111111"
BUCKET = "cce-scan-results-111111111111"
S3V4 = Config(signature_version="s3v4", s3={"addressing_style": "path"})
ONE_TRY = Config(retries={"total_max_attempts": 1})


class ShiftedNow:
    """The gate's wall clock, moved forward by a test."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def now() -> ShiftedNow:
    return ShiftedNow()


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def server(now: ShiftedNow, faults: Faults) -> Iterator[MotoServer]:
    moto_api_backend.reset()
    with MotoServer(faults, now=now) as running:
        yield running
    moto_api_backend.reset()


@pytest.fixture
def admin(server: MotoServer) -> boto3.Session:
    session = create_admin_key(ACCOUNT).session(REGION)
    s3 = session.client("s3", endpoint_url=server.endpoint_url, config=S3V4)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="bundles/abc/script.tar", Body=b"bundle-bytes")
    return session


def _session_credentials(server: MotoServer, admin: boto3.Session, duration: int = 900) -> boto3.Session:
    iam = admin.client("iam", endpoint_url=server.endpoint_url)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="Signer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    sts = admin.client("sts", endpoint_url=server.endpoint_url)
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="signer", DurationSeconds=duration)[
        "Credentials"
    ]
    return Credentials(
        access_key_id=creds["AccessKeyId"],
        secret_access_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
    ).session(REGION)


def _curl(*args: str) -> tuple[int, str]:
    done = subprocess.run(
        ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, code = done.stdout.rpartition("\n")
    return int(code), body


def _error(body: str) -> dict[str, Any]:
    root = ET.fromstring(body)  # noqa: S314 - our own server's answer
    assert root.tag == "Error"
    return {child.tag: child.text for child in root}


def _s3(session: boto3.Session, server: MotoServer) -> Any:
    return session.client("s3", endpoint_url=server.endpoint_url, config=S3V4)


def test_presigned_get_with_an_iam_user_key_downloads_the_object(
    server: MotoServer, admin: boto3.Session
) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=60
    )
    assert _curl(url) == (200, "bundle-bytes")


def test_presigned_put_with_session_credentials_stores_the_object(
    server: MotoServer, admin: boto3.Session, tmp_path: Path
) -> None:
    signer = _session_credentials(server, admin)
    key = "results/scan-1/222222222222/i-0123456789abcdef0.tar"
    url = _s3(signer, server).generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=600
    )
    assert "X-Amz-Security-Token=" in url
    payload = tmp_path / "result.tar"
    payload.write_bytes(b"tar-bytes")
    code, _ = _curl("--upload-file", str(payload), url)
    assert code == 200
    stored = _s3(admin, server).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert stored == b"tar-bytes"


def test_presigned_put_for_one_key_is_refused_for_another(
    server: MotoServer, admin: boto3.Session, tmp_path: Path
) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": "results/s/a/i-1.tar"}, ExpiresIn=600
    )
    payload = tmp_path / "result.tar"
    payload.write_bytes(b"x")
    code, body = _curl("--upload-file", str(payload), url.replace("i-1.tar", "i-2.tar"))
    assert code == 403
    assert _error(body)["Code"] == "SignatureDoesNotMatch"
    keys = _s3(admin, server).list_objects_v2(Bucket=BUCKET, Prefix="results/").get("KeyCount")
    assert keys == 0


def test_tampered_signature_gets_signature_does_not_match(server: MotoServer, admin: boto3.Session) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=60
    )
    signature = url.split("X-Amz-Signature=")[1][:64]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    code, body = _curl(url.replace(signature, flipped))
    error = _error(body)
    assert code == 403
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["Message"].startswith("The request signature we calculated does not match")


def test_a_get_url_used_for_a_put_is_refused(
    server: MotoServer, admin: boto3.Session, tmp_path: Path
) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=60
    )
    payload = tmp_path / "evil"
    payload.write_bytes(b"overwritten")
    code, body = _curl("--upload-file", str(payload), url)
    assert code == 403
    assert _error(body)["Code"] == "SignatureDoesNotMatch"
    assert (
        _s3(admin, server).get_object(Bucket=BUCKET, Key="bundles/abc/script.tar")["Body"].read()
        == b"bundle-bytes"
    )


def test_expired_url_gets_access_denied_request_has_expired(server: MotoServer, admin: boto3.Session) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=1
    )
    time.sleep(1.2)
    code, body = _curl(url)
    error = _error(body)
    assert code == 403
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == "Request has expired"
    assert error["X-Amz-Expires"] == "1"


def test_expiry_is_judged_on_the_gate_clock(
    server: MotoServer, admin: boto3.Session, now: ShiftedNow
) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=3600
    )
    now.offset = timedelta(seconds=3599)
    assert _curl(url)[0] == 200
    now.offset = timedelta(seconds=3602)
    assert _error(_curl(url)[1])["Message"] == "Request has expired"


def test_expires_over_seven_days_is_refused(server: MotoServer, admin: boto3.Session) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=604801
    )
    code, body = _curl(url)
    error = _error(body)
    assert code == 400
    assert error["Code"] == "AuthorizationQueryParametersError"
    assert "604800" in error["Message"]
    week = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=604800
    )
    assert _curl(week)[0] == 200


def test_url_signed_by_a_session_dies_with_the_session(
    server: MotoServer, admin: boto3.Session, now: ShiftedNow
) -> None:
    signer = _session_credentials(server, admin, duration=900)
    url = _s3(signer, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=3600
    )
    assert _curl(url)[0] == 200
    now.offset = timedelta(seconds=901)
    code, body = _curl(url)
    error = _error(body)
    assert code == 400
    assert error["Code"] == "ExpiredToken"


def test_session_url_without_its_token_is_refused(server: MotoServer, admin: boto3.Session) -> None:
    signer = _session_credentials(server, admin)
    url = _s3(signer, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=60
    )
    token = url.split("X-Amz-Security-Token=")[1].split("&")[0]
    code, body = _curl(url.replace(token, token[:-4] + "AAAA"))
    assert code == 400
    assert _error(body)["Code"] == "InvalidToken"


def test_unknown_access_key_is_refused(server: MotoServer, admin: boto3.Session) -> None:
    stranger = boto3.Session(
        aws_access_key_id="AKIAUNKNOWN000000000", aws_secret_access_key="x" * 40, region_name=REGION
    )
    url = _s3(stranger, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=60
    )
    code, body = _curl(url)
    assert code == 403
    assert _error(body)["Code"] == "InvalidAccessKeyId"


def test_sigv2_query_auth_is_refused_as_in_sigv4_only_regions(
    server: MotoServer, admin: boto3.Session
) -> None:
    v2 = admin.client(
        "s3",
        endpoint_url=server.endpoint_url,
        config=Config(signature_version="s3", s3={"addressing_style": "path"}),
    )
    url = v2.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=60
    )
    assert "Signature=" in url
    code, body = _curl(url)
    assert code == 400
    assert _error(body)["Code"] == "InvalidRequest"


def test_expire_urls_fault_makes_a_valid_url_expired(
    server: MotoServer, admin: boto3.Session, faults: Faults
) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=600
    )
    faults.expire_url(url)
    code, body = _curl(url)
    assert code == 403
    assert _error(body)["Message"] == "Request has expired"


def test_curl_fail_flag_turns_a_refusal_into_exit_22(server: MotoServer, admin: boto3.Session) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=1
    )
    time.sleep(1.2)
    done = subprocess.run(
        ["curl", "-fsS", "-o", "/dev/null", url], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 22
    assert "403" in done.stderr


def test_calls_with_an_expired_session_get_expired_token(
    server: MotoServer, admin: boto3.Session, now: ShiftedNow
) -> None:
    signer = _session_credentials(server, admin, duration=900)
    sts = signer.client("sts", endpoint_url=server.endpoint_url, config=ONE_TRY)
    ssm = signer.client("ssm", endpoint_url=server.endpoint_url, config=ONE_TRY)
    assert sts.get_caller_identity()["Account"] == ACCOUNT
    now.offset = timedelta(seconds=901)
    for call, code in (
        (sts.get_caller_identity, "ExpiredToken"),
        (ssm.describe_parameters, "ExpiredTokenException"),
    ):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == code


def test_session_key_with_another_token_is_an_invalid_client_token(
    server: MotoServer, admin: boto3.Session
) -> None:
    signer = _session_credentials(server, admin)
    credentials = signer.get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    forged = boto3.Session(
        aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key,
        aws_session_token="FQoGZXIvYXdzEBYaDforged",
        region_name=REGION,
    )
    with pytest.raises(ClientError) as caught:
        forged.client("sts", endpoint_url=server.endpoint_url, config=ONE_TRY).get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_unsigned_request_is_access_denied(server: MotoServer, admin: boto3.Session) -> None:
    code, body = _curl(f"{server.endpoint_url}/{BUCKET}/bundles/abc/script.tar")
    assert code == 403
    assert _error(body)["Code"] == "AccessDenied"


def test_a_url_cut_at_the_first_ampersand_is_refused(server: MotoServer, admin: boto3.Session) -> None:
    url = _s3(admin, server).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "bundles/abc/script.tar"}, ExpiresIn=60
    )
    # What `curl $URL` without quotes does in sh: the first & ends the command.
    done = subprocess.run(
        ["sh", "-c", f"curl -sS -w '\\n%{{http_code}}' {url} 2>/dev/null; wait"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    body, _, code = done.stdout.rpartition("\n")
    assert code == "400"
    assert _error(body)["Code"] == "AuthorizationQueryParametersError"


def test_keys_with_spaces_unicode_and_reserved_characters_verify(
    server: MotoServer, admin: boto3.Session, tmp_path: Path
) -> None:
    key = "reports/스캔 1/a+b=c~d(e).txt"
    s3 = _s3(admin, server)
    put = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60)
    payload = tmp_path / "report"
    payload.write_bytes(b"report")
    assert _curl("--upload-file", str(payload), put)[0] == 200
    get = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60)
    assert _curl(get) == (200, "report")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"report"


def test_presigned_put_acts_in_the_signers_account_so_the_bucket_notification_fires(
    server: MotoServer, admin: boto3.Session, tmp_path: Path
) -> None:
    # GIVEN ObjectCreated on results/ goes to a queue of the bucket's account
    sqs = admin.client("sqs", endpoint_url=server.endpoint_url)
    queue = sqs.create_queue(QueueName="results")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    _s3(admin, server).put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "results/"}]}},
                }
            ]
        },
    )
    sqs.purge_queue(QueueUrl=queue)  # S3's test event
    # WHEN a host uploads through a presigned PUT signed with session credentials of that account
    signer = _session_credentials(server, admin)
    key = "results/scan-1/222222222222/i-0123456789abcdef0.tar"
    url = _s3(signer, server).generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60
    )
    upload = tmp_path / "host.tar"
    upload.write_bytes(b"tar-bytes")
    assert _curl("-X", "PUT", "-T", str(upload), url)[0] == 200
    # THEN the notification names the object
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    keys = [r["s3"]["object"]["key"] for m in messages for r in json.loads(m["Body"]).get("Records", [])]
    assert [unquote_plus(k) for k in keys] == [key]  # event keys are URL-encoded
