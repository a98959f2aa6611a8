"""IAM policy evaluation judges requests as AWS documents it: explicit deny wins, wildcards, NotAction,
Principal and NotPrincipal, and the rules for condition keys missing from the request."""

from __future__ import annotations

from typing import Any

import pytest

from localworld.iam.model import Authorization, Effect, Principal
from localworld.iam.policy import evaluate, trust_admits

ACCOUNT = "111111111111"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/cce-scan-worker-ap-northeast-2"
SESSION = Principal(
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/cce-scan-worker-ap-northeast-2/worker",
    account_id=ACCOUNT,
    role_arn=ROLE_ARN,
)
USER = Principal(
    arn=f"arn:aws:iam::{ACCOUNT}:user/localworld-admin", account_id=ACCOUNT, user_name="localworld-admin"
)
OTHER = Principal(
    arn="arn:aws:sts::444444444444:assumed-role/Other/s", account_id="444444444444",
    role_arn="arn:aws:iam::444444444444:role/Other",
)  # fmt: skip
BUCKET = "arn:aws:s3:::cce-scan-results-111111111111"
TABLE = f"arn:aws:dynamodb:ap-northeast-2:{ACCOUNT}:table/cce-scan-state"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def request(action: str, resource: str = "*", /, **context: str | list[str]) -> Authorization:
    return Authorization(action=action, resource=resource, context=context)


def decide(
    req: Authorization, *identity: dict[str, Any], resource_policy: dict[str, Any] | None = None
) -> Effect:
    return evaluate(req, SESSION, list(identity), resource_policy).effect


# --- identity policies -----------------------------------------------------------------------------


def test_without_any_policy_a_request_is_implicitly_denied() -> None:
    decision = evaluate(request("dynamodb:GetItem", TABLE), SESSION, [])
    assert decision.effect is Effect.IMPLICIT_DENY
    assert decision.reason("dynamodb:GetItem") == (
        "because no identity-based policy allows the dynamodb:GetItem action"
    )


def test_an_identity_policy_allows_the_action_on_the_named_resource_only() -> None:
    reads = policy(allow("dynamodb:GetItem", TABLE))
    assert decide(request("dynamodb:GetItem", TABLE), reads) is Effect.ALLOW
    assert decide(request("dynamodb:GetItem", TABLE + "-other"), reads) is Effect.IMPLICIT_DENY
    assert decide(request("dynamodb:Scan", TABLE), reads) is Effect.IMPLICIT_DENY


def test_an_explicit_deny_in_any_policy_wins_over_allows_in_others() -> None:
    everything = policy(allow("*", "*"))
    no_deletes = policy(deny("dynamodb:DeleteItem", TABLE))
    decision = evaluate(request("dynamodb:DeleteItem", TABLE), SESSION, [everything, no_deletes])
    assert decision.effect is Effect.EXPLICIT_DENY
    assert decision.reason("dynamodb:DeleteItem") == "with an explicit deny in an identity-based policy"
    assert decide(request("dynamodb:GetItem", TABLE), everything, no_deletes) is Effect.ALLOW


def test_actions_match_with_wildcards_and_ignore_case() -> None:
    sqs = policy(allow(["sqs:Receive*", "sqs:?eleteMessage"], "*"))
    assert decide(request("sqs:ReceiveMessage"), sqs) is Effect.ALLOW
    assert decide(request("SQS:receivemessage"), sqs) is Effect.ALLOW
    assert decide(request("sqs:DeleteMessage"), sqs) is Effect.ALLOW
    assert decide(request("sqs:DeleteMessageBatch"), sqs) is Effect.IMPLICIT_DENY
    assert decide(request("sqs:SendMessage"), sqs) is Effect.IMPLICIT_DENY


def test_not_action_allows_every_action_but_the_listed_ones() -> None:
    all_but_iam = policy({"Effect": "Allow", "NotAction": ["iam:*", "sts:AssumeRole"], "Resource": "*"})
    assert decide(request("s3:GetObject", BUCKET + "/x"), all_but_iam) is Effect.ALLOW
    assert decide(request("iam:CreateUser"), all_but_iam) is Effect.IMPLICIT_DENY
    assert decide(request("sts:AssumeRole", ROLE_ARN), all_but_iam) is Effect.IMPLICIT_DENY


def test_resources_match_with_wildcards_case_sensitively_and_across_separators() -> None:
    logs = policy(
        allow(
            "logs:PutLogEvents",
            f"arn:aws:logs:ap-northeast-2:{ACCOUNT}:log-group:/aws/lambda/cce-scan-worker:*",
        )
    )
    stream = f"arn:aws:logs:ap-northeast-2:{ACCOUNT}:log-group:/aws/lambda/cce-scan-worker:log-stream:2024/x"
    assert decide(request("logs:PutLogEvents", stream), logs) is Effect.ALLOW
    assert decide(request("logs:PutLogEvents", stream.replace("cce-scan", "CCE-SCAN")), logs) is (
        Effect.IMPLICIT_DENY
    )
    one_char = policy(allow("s3:GetObject", BUCKET + "/results/?.tar"))
    assert decide(request("s3:GetObject", BUCKET + "/results/a.tar"), one_char) is Effect.ALLOW
    assert decide(request("s3:GetObject", BUCKET + "/results/ab.tar"), one_char) is Effect.IMPLICIT_DENY


def test_an_action_without_a_resource_needs_resource_star() -> None:
    scoped = policy(allow("ec2:DescribeInstances", f"arn:aws:ec2:*:{ACCOUNT}:instance/*"))
    assert decide(request("ec2:DescribeInstances", "*"), scoped) is Effect.IMPLICIT_DENY
    assert decide(request("ec2:DescribeInstances", "*"), policy(allow("ec2:Describe*", "*"))) is Effect.ALLOW


def test_not_resource_allows_everything_outside_the_listed_resources() -> None:
    outside_results = policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": BUCKET + "/results/*"}
    )
    assert decide(request("s3:GetObject", BUCKET + "/reports/r.html"), outside_results) is Effect.ALLOW
    assert decide(request("s3:GetObject", BUCKET + "/results/a.tar"), outside_results) is (
        Effect.IMPLICIT_DENY
    )


def test_policy_variables_are_matched_literally() -> None:
    per_user = policy(allow("s3:GetObject", BUCKET + "/home/${aws:username}/*"))
    assert decide(request("s3:GetObject", BUCKET + "/home/localworld-admin/x"), per_user) is (
        Effect.IMPLICIT_DENY
    )
    assert decide(request("s3:GetObject", BUCKET + "/home/${aws:username}/x"), per_user) is Effect.ALLOW


def test_a_single_statement_object_is_read_like_a_list_of_one() -> None:
    single = {"Version": "2012-10-17", "Statement": allow("sqs:SendMessage", "*")}
    assert decide(request("sqs:SendMessage", "arn:aws:sqs:ap-northeast-2:1:q"), single) is Effect.ALLOW


# --- conditions ----------------------------------------------------------------------------------


LIST_BUNDLES = allow(
    "s3:ListBucket", BUCKET, Condition={"StringLike": {"s3:prefix": ["bundles/", "bundles/*"]}}
)


def test_values_of_one_key_are_alternatives() -> None:
    assert decide(request("s3:ListBucket", BUCKET, **{"s3:prefix": "bundles/"}), policy(LIST_BUNDLES)) is (
        Effect.ALLOW
    )
    assert decide(
        request("s3:ListBucket", BUCKET, **{"s3:prefix": "bundles/abc/"}), policy(LIST_BUNDLES)
    ) is (Effect.ALLOW)
    assert decide(request("s3:ListBucket", BUCKET, **{"s3:prefix": "results/"}), policy(LIST_BUNDLES)) is (
        Effect.IMPLICIT_DENY
    )


def test_a_condition_key_missing_from_the_request_makes_a_positive_condition_false() -> None:
    assert decide(request("s3:ListBucket", BUCKET), policy(LIST_BUNDLES)) is Effect.IMPLICIT_DENY


def test_a_missing_key_makes_a_negated_condition_true() -> None:
    not_in_other_org = allow(
        "sqs:SendMessage", "*", Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-other00000"}}
    )
    assert decide(request("sqs:SendMessage"), policy(not_in_other_org)) is Effect.ALLOW
    assert decide(
        request("sqs:SendMessage", **{"aws:PrincipalOrgID": "o-other00000"}), policy(not_in_other_org)
    ) is (Effect.IMPLICIT_DENY)
    not_like = allow("sqs:SendMessage", "*", Condition={"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}})
    assert decide(request("sqs:SendMessage"), policy(not_like)) is Effect.ALLOW


def test_if_exists_is_true_when_the_key_is_missing_and_tests_it_when_present() -> None:
    region_if_given = allow(
        "ssm:ListCommands", "*", Condition={"StringEqualsIfExists": {"aws:RequestedRegion": "ap-northeast-2"}}
    )
    assert decide(request("ssm:ListCommands"), policy(region_if_given)) is Effect.ALLOW
    assert decide(
        request("ssm:ListCommands", **{"aws:RequestedRegion": "ap-northeast-2"}), policy(region_if_given)
    ) is (Effect.ALLOW)
    assert decide(
        request("ssm:ListCommands", **{"aws:RequestedRegion": "us-east-1"}), policy(region_if_given)
    ) is (Effect.IMPLICIT_DENY)


def test_null_tests_whether_the_key_is_present() -> None:
    needs_source_identity = allow("ssm:SendCommand", "*", Condition={"Null": {"sts:SourceIdentity": "false"}})
    assert decide(
        request("ssm:SendCommand", **{"sts:SourceIdentity": "U01"}), policy(needs_source_identity)
    ) is (Effect.ALLOW)
    assert decide(request("ssm:SendCommand"), policy(needs_source_identity)) is Effect.IMPLICIT_DENY
    absent_only = allow("ssm:SendCommand", "*", Condition={"Null": {"sts:SourceIdentity": "true"}})
    assert decide(request("ssm:SendCommand"), policy(absent_only)) is Effect.ALLOW


def test_several_operators_and_keys_must_all_hold() -> None:
    both = allow(
        "sts:AssumeRole",
        "*",
        Condition={
            "StringEquals": {"aws:ResourceOrgID": "o-abcdefghij", "aws:RequestedRegion": "ap-northeast-2"},
            "Bool": {"aws:SecureTransport": "true"},
        },
    )
    full = {
        "aws:ResourceOrgID": "o-abcdefghij",
        "aws:RequestedRegion": "ap-northeast-2",
        "aws:SecureTransport": "true",
    }
    assert decide(request("sts:AssumeRole", **full), policy(both)) is Effect.ALLOW
    for key in full:
        partial = {k: v for k, v in full.items() if k != key}
        assert decide(request("sts:AssumeRole", **partial), policy(both)) is Effect.IMPLICIT_DENY, key


def test_condition_keys_ignore_case_and_values_do_not() -> None:
    org = allow("sts:AssumeRole", "*", Condition={"StringEquals": {"aws:resourceorgid": "o-abcdefghij"}})
    assert (
        decide(request("sts:AssumeRole", **{"aws:ResourceOrgID": "o-abcdefghij"}), policy(org))
        is Effect.ALLOW
    )
    assert decide(request("sts:AssumeRole", **{"aws:ResourceOrgID": "O-ABCDEFGHIJ"}), policy(org)) is (
        Effect.IMPLICIT_DENY
    )
    ignoring_case = allow(
        "sts:AssumeRole", "*", Condition={"StringEqualsIgnoreCase": {"aws:ResourceOrgID": "o-abcdefghij"}}
    )
    assert decide(
        request("sts:AssumeRole", **{"aws:ResourceOrgID": "O-ABCDEFGHIJ"}), policy(ignoring_case)
    ) is (Effect.ALLOW)


@pytest.mark.parametrize(
    ("operator", "policy_value", "request_value", "expected"),
    [
        ("NumericLessThan", "1.2", "1.0", True),
        ("NumericLessThan", "1.2", "1.2", False),
        ("NumericLessThanEquals", "1.2", "1.2", True),
        ("NumericGreaterThan", "10", "11", True),
        ("NumericGreaterThanEquals", "10", "9", False),
        ("NumericEquals", "3600", "3600", True),
        ("NumericNotEquals", "3600", "3600", False),
        ("NumericEquals", "3600", "not a number", False),
        ("DateLessThan", "2030-01-01T00:00:00Z", "2029-12-31T23:59:59Z", True),
        ("DateGreaterThan", "2030-01-01T00:00:00Z", "1893456000", False),
        ("Bool", "true", "True", True),
        ("Bool", "false", "true", False),
        ("IpAddress", "10.0.0.0/8", "10.1.2.3", True),
        ("NotIpAddress", "10.0.0.0/8", "192.168.0.1", True),
        ("ArnLike", "arn:aws:iam::*:role/CceScan*", "arn:aws:iam::222222222222:role/CceScanMemberRole", True),
        (
            "ArnLike",
            "arn:aws:iam::*:role/CceScan*",
            "arn:aws:sts::222222222222:role/CceScanMemberRole",
            False,
        ),
        ("ArnEquals", "arn:aws:iam::222222222222:role/R", "arn:aws:iam::222222222222:role/R", True),
        ("ArnNotEquals", "arn:aws:iam::222222222222:role/R", "arn:aws:iam::222222222222:role/R", False),
        ("ArnNotLike", "arn:aws:iam::*:role/R", "arn:aws:iam::222222222222:role/S", True),
        ("StringNotLike", "cce-*", "cce-scan", False),
        ("StringNotEqualsIgnoreCase", "ABC", "abc", False),
    ],
)
def test_condition_operators_compare_as_their_type_does(
    operator: str, policy_value: str, request_value: str, expected: bool
) -> None:
    statement = allow("kms:Decrypt", "*", Condition={operator: {"aws:Key": policy_value}})
    outcome = decide(request("kms:Decrypt", **{"aws:Key": request_value}), policy(statement))
    assert (outcome is Effect.ALLOW) is expected


def test_arn_wildcards_do_not_cross_the_arn_parts() -> None:
    statement = allow(
        "kms:Decrypt", "*", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:111111111111:q"}}
    )
    crossing = "arn:aws:sqs:ap-northeast-2:999:111111111111:q"
    assert (
        decide(request("kms:Decrypt", **{"aws:SourceArn": crossing}), policy(statement))
        is Effect.IMPLICIT_DENY
    )


def test_for_all_values_needs_every_request_value_to_match_and_holds_without_the_key() -> None:
    only_known_tags = allow(
        "ec2:CreateTags", "*", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["Name", "Owner"]}}
    )
    assert decide(
        request("ec2:CreateTags", **{"aws:TagKeys": ["Name", "Owner"]}), policy(only_known_tags)
    ) is (Effect.ALLOW)
    assert decide(
        request("ec2:CreateTags", **{"aws:TagKeys": ["Name", "Secret"]}), policy(only_known_tags)
    ) is (Effect.IMPLICIT_DENY)
    assert decide(request("ec2:CreateTags"), policy(only_known_tags)) is Effect.ALLOW


def test_for_any_value_needs_one_request_value_to_match_and_fails_without_the_key() -> None:
    any_name = allow("ec2:CreateTags", "*", Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "Na*"}})
    assert (
        decide(request("ec2:CreateTags", **{"aws:TagKeys": ["Owner", "Name"]}), policy(any_name))
        is Effect.ALLOW
    )
    assert (
        decide(request("ec2:CreateTags", **{"aws:TagKeys": ["Owner"]}), policy(any_name))
        is Effect.IMPLICIT_DENY
    )
    assert decide(request("ec2:CreateTags"), policy(any_name)) is Effect.IMPLICIT_DENY


def test_for_all_values_with_a_negated_operator_denies_as_documented() -> None:
    # AWS's example: deny tagging unless every tag key starts with key1; a missing key matches.
    deny_foreign = deny(["iam:Tag*"], "*", Condition={"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}})
    everything = policy(allow("*", "*"))
    assert decide(
        request("iam:TagRole", **{"aws:TagKeys": ["key1:legal"]}), everything, policy(deny_foreign)
    ) is (Effect.ALLOW)
    assert decide(
        request("iam:TagRole", **{"aws:TagKeys": ["key2:audit"]}), everything, policy(deny_foreign)
    ) is (Effect.EXPLICIT_DENY)
    assert decide(request("iam:TagRole"), everything, policy(deny_foreign)) is Effect.EXPLICIT_DENY


def test_an_unknown_operator_fails_closed_for_allow_and_for_deny() -> None:
    odd = {"StringMatchesRegex": {"aws:RequestedRegion": ".*"}}
    assert decide(request("ssm:ListCommands"), policy(allow("*", "*", Condition=odd))) is Effect.IMPLICIT_DENY
    assert decide(
        request("ssm:ListCommands"), policy(allow("*", "*")), policy(deny("*", "*", Condition=odd))
    ) is (Effect.EXPLICIT_DENY)


def test_a_deny_whose_condition_is_false_does_not_apply() -> None:
    only_tls = deny("s3:*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    reads = policy(allow("s3:GetObject", BUCKET + "/*"), only_tls)
    assert (
        decide(request("s3:GetObject", BUCKET + "/x", **{"aws:SecureTransport": "true"}), reads)
        is Effect.ALLOW
    )
    assert decide(request("s3:GetObject", BUCKET + "/x", **{"aws:SecureTransport": "false"}), reads) is (
        Effect.EXPLICIT_DENY
    )


def test_json_booleans_and_numbers_in_conditions_compare_as_their_text() -> None:
    statement = allow("s3:GetObject", "*", Condition={"Bool": {"aws:SecureTransport": True}})
    assert (
        decide(request("s3:GetObject", **{"aws:SecureTransport": "true"}), policy(statement)) is Effect.ALLOW
    )
    numeric = allow("s3:GetObject", "*", Condition={"NumericLessThan": {"s3:TlsVersion": 1.2}})
    assert decide(request("s3:GetObject", **{"s3:TlsVersion": "1.1"}), policy(numeric)) is Effect.ALLOW


# --- resource-based policies ----------------------------------------------------------------------


def tls_only_bucket_policy() -> dict[str, Any]:
    return policy(
        {
            "Sid": "DenyRequestsWithoutTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [BUCKET, BUCKET + "/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def test_a_bucket_policy_denies_requests_without_tls_even_when_the_identity_allows() -> None:
    reads = policy(allow("s3:GetObject", BUCKET + "/*"))
    insecure = request("s3:GetObject", BUCKET + "/bundles/x", **{"aws:SecureTransport": "false"})
    decision = evaluate(insecure, SESSION, [reads], tls_only_bucket_policy())
    assert decision.effect is Effect.EXPLICIT_DENY
    assert decision.reason("s3:GetObject") == "with an explicit deny in a resource-based policy"
    secure = request("s3:GetObject", BUCKET + "/bundles/x", **{"aws:SecureTransport": "true"})
    assert evaluate(secure, SESSION, [reads], tls_only_bucket_policy()).effect is Effect.ALLOW


def test_a_deny_only_resource_policy_grants_nothing() -> None:
    secure = request("s3:GetObject", BUCKET + "/bundles/x", **{"aws:SecureTransport": "true"})
    assert evaluate(secure, SESSION, [], tls_only_bucket_policy()).effect is Effect.IMPLICIT_DENY


@pytest.mark.parametrize("named", [ROLE_ARN, SESSION.arn, [USER.arn, ROLE_ARN], "*"])
def test_a_resource_policy_alone_allows_a_same_account_principal_it_names(named: Any) -> None:
    queue = "arn:aws:sqs:ap-northeast-2:111111111111:cce-scan-jobs"
    grant = policy(
        {"Effect": "Allow", "Principal": {"AWS": named}, "Action": "sqs:SendMessage", "Resource": queue}
    )
    assert evaluate(request("sqs:SendMessage", queue), SESSION, [], grant).effect is Effect.ALLOW


def test_a_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    queue = "arn:aws:sqs:ap-northeast-2:111111111111:cce-scan-jobs"
    for account in (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"):
        grant = policy(
            {"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sqs:SendMessage", "Resource": queue}
        )
        assert evaluate(request("sqs:SendMessage", queue), SESSION, [], grant).effect is Effect.IMPLICIT_DENY
        own = policy(allow("sqs:SendMessage", queue))
        assert evaluate(request("sqs:SendMessage", queue), SESSION, [own], grant).effect is Effect.ALLOW


def test_a_resource_policy_does_not_allow_principals_it_does_not_name() -> None:
    queue = "arn:aws:sqs:ap-northeast-2:111111111111:cce-scan-jobs"
    grant = policy({"Effect": "Allow", "Principal": {"AWS": USER.arn}, "Action": "sqs:*", "Resource": queue})
    assert evaluate(request("sqs:SendMessage", queue), SESSION, [], grant).effect is Effect.IMPLICIT_DENY
    assert evaluate(request("sqs:SendMessage", queue), USER, [], grant).effect is Effect.ALLOW


def test_a_service_principal_never_names_a_role_or_a_user() -> None:
    queue = "arn:aws:sqs:ap-northeast-2:111111111111:cce-scan-jobs"
    grant = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:*",
            "Resource": queue,
        }
    )
    assert evaluate(request("sqs:SendMessage", queue), SESSION, [], grant).effect is Effect.IMPLICIT_DENY
    deny_service = policy(
        {"Effect": "Deny", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:*", "Resource": queue}
    )
    own = policy(allow("sqs:*", queue))
    assert evaluate(request("sqs:SendMessage", queue), SESSION, [own], deny_service).effect is Effect.ALLOW


def test_a_deny_naming_the_account_applies_to_all_of_its_principals() -> None:
    queue = "arn:aws:sqs:ap-northeast-2:111111111111:cce-scan-jobs"
    stop = policy({"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "sqs:*", "Resource": queue})
    own = policy(allow("sqs:*", queue))
    assert evaluate(request("sqs:SendMessage", queue), SESSION, [own], stop).effect is Effect.EXPLICIT_DENY
    assert evaluate(request("sqs:SendMessage", queue), OTHER, [own], stop).effect is Effect.ALLOW


def test_not_principal_with_deny_spares_only_a_principal_listed_at_every_level() -> None:
    def deny_all_but(*names: str) -> dict[str, Any]:
        return policy(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": list(names)},
                "Action": "s3:*",
                "Resource": [BUCKET + "/*"],
            }
        )

    reads = policy(allow("s3:GetObject", BUCKET + "/*"))
    get = request("s3:GetObject", BUCKET + "/x")
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert evaluate(get, SESSION, [reads], deny_all_but(SESSION.arn, ROLE_ARN, root)).effect is Effect.ALLOW
    assert evaluate(get, SESSION, [reads], deny_all_but(ROLE_ARN, root)).effect is Effect.EXPLICIT_DENY
    assert evaluate(get, SESSION, [reads], deny_all_but(SESSION.arn, ROLE_ARN)).effect is Effect.EXPLICIT_DENY
    assert evaluate(get, USER, [reads], deny_all_but(USER.arn, ACCOUNT)).effect is Effect.ALLOW
    assert (
        evaluate(get, USER, [reads], deny_all_but(SESSION.arn, ROLE_ARN, root)).effect is Effect.EXPLICIT_DENY
    )


def test_not_principal_with_allow_allows_nobody() -> None:
    queue = "arn:aws:sqs:ap-northeast-2:111111111111:cce-scan-jobs"
    odd = policy(
        {"Effect": "Allow", "NotPrincipal": {"AWS": OTHER.arn}, "Action": "sqs:*", "Resource": queue}
    )
    assert evaluate(request("sqs:SendMessage", queue), SESSION, [], odd).effect is Effect.IMPLICIT_DENY


def test_an_identity_statement_without_resource_allows_nothing() -> None:
    no_resource = policy({"Effect": "Allow", "Action": "sqs:*"})
    assert (
        decide(request("sqs:SendMessage", "arn:aws:sqs:ap-northeast-2:1:q"), no_resource)
        is Effect.IMPLICIT_DENY
    )


# --- trust policies -------------------------------------------------------------------------------


MEMBER_ROLE = "arn:aws:iam::222222222222:role/CceScanMemberRole"
MEMBER_TRUST = policy(
    {
        "Sid": "CentralWorkerWithExternalId",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE_ARN},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "cce-scan-7f3a9c1e2b"}},
    }
)


def test_a_trust_policy_admits_the_named_role_with_its_external_id() -> None:
    with_id = request("sts:AssumeRole", MEMBER_ROLE, **{"sts:ExternalId": "cce-scan-7f3a9c1e2b"})
    assert trust_admits(with_id, SESSION, MEMBER_TRUST).effect is Effect.ALLOW
    assert trust_admits(request("sts:AssumeRole", MEMBER_ROLE), SESSION, MEMBER_TRUST).effect is (
        Effect.IMPLICIT_DENY
    )
    assert trust_admits(with_id, OTHER, MEMBER_TRUST).effect is Effect.IMPLICIT_DENY
    tagging = request("sts:TagSession", MEMBER_ROLE, **{"sts:ExternalId": "cce-scan-7f3a9c1e2b"})
    assert trust_admits(tagging, SESSION, MEMBER_TRUST).effect is Effect.IMPLICIT_DENY


def test_a_trust_policy_naming_the_account_admits_its_principals() -> None:
    account_trust = policy({"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})
    assert trust_admits(request("sts:AssumeRole", MEMBER_ROLE), USER, account_trust).allowed
    assert not trust_admits(request("sts:AssumeRole", MEMBER_ROLE), OTHER, account_trust).allowed


def test_a_service_principal_trust_admits_no_user_or_role() -> None:
    lambda_trust = policy(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    assert not trust_admits(request("sts:AssumeRole", ROLE_ARN), SESSION, lambda_trust).allowed
    assert not trust_admits(request("sts:AssumeRole", ROLE_ARN), USER, lambda_trust).allowed
