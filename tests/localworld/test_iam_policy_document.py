"""aws_iam_policy_document renders as the provider renders it: sets as one string or a reverse-sorted
list, principals and conditions merged, &{} turned into ${}, and sources, statements and overrides
merged by Sid."""

from __future__ import annotations

import json

import pytest

from localworld.iam.policy_document import (
    ConditionSpec,
    PolicyDocumentError,
    PrincipalsSpec,
    StatementSpec,
    render,
    to_json,
)


def test_one_value_is_a_string_and_several_a_reverse_sorted_list_without_repeats() -> None:
    document = render(
        [
            StatementSpec(sid="One", actions=("s3:GetObject",), resources=("*",)),
            StatementSpec(
                sid="Many", actions=("sqs:DeleteMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage")
            ),
        ]
    )
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "One", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "Many", "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"]},
        ],
    }


def test_a_statement_without_sid_is_written_with_an_empty_sid() -> None:
    (statement,) = render([StatementSpec(effect="Deny", not_actions=("iam:*",))])["Statement"]
    assert statement == {"Sid": "", "Effect": "Deny", "NotAction": "iam:*"}


def test_everyone_is_written_as_a_star_and_principals_of_one_type_merge() -> None:
    everyone = render([StatementSpec(principals=(PrincipalsSpec("*", ("*",)),))])["Statement"][0]
    assert everyone["Principal"] == "*"
    merged = render(
        [
            StatementSpec(
                principals=(
                    PrincipalsSpec("Service", ("lambda.amazonaws.com",)),
                    PrincipalsSpec("AWS", ("arn:aws:iam::1:root",)),
                    PrincipalsSpec("AWS", ("arn:aws:iam::2:root", "arn:aws:iam::3:root")),
                )
            )
        ]
    )["Statement"][0]
    assert merged["Principal"] == {
        "AWS": ["arn:aws:iam::1:root", "arn:aws:iam::3:root", "arn:aws:iam::2:root"],
        "Service": "lambda.amazonaws.com",
    }
    assert list(merged["Principal"]) == ["AWS", "Service"]


def test_conditions_of_one_test_merge_and_keep_their_values_in_order() -> None:
    (statement,) = render(
        [
            StatementSpec(
                conditions=(
                    ConditionSpec("StringLike", "s3:prefix", ("bundles/", "bundles/*")),
                    ConditionSpec("StringEquals", "aws:ResourceOrgID", ("o-abcdefghij",)),
                    ConditionSpec("StringLike", "aws:userid", ("AROA*",)),
                )
            )
        ]
    )["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:ResourceOrgID": "o-abcdefghij"},
        "StringLike": {"aws:userid": "AROA*", "s3:prefix": ["bundles/", "bundles/*"]},
    }


def test_ampersand_braces_become_policy_variables_in_resources_and_conditions_only() -> None:
    (statement,) = render(
        [
            StatementSpec(
                actions=("s3:&{x}",),
                resources=("arn:aws:s3:::b/home/&{aws:username}/*",),
                conditions=(ConditionSpec("StringEquals", "aws:PrincipalTag/team", ("&{aws:username}",)),),
            )
        ]
    )["Statement"]
    assert statement["Action"] == "s3:&{x}"
    assert statement["Resource"] == "arn:aws:s3:::b/home/${aws:username}/*"
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}


COMMON = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
            {
                "Sid": "Org",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-abcdefghij"}},
                "Principal": {"AWS": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]},
            },
        ],
    }
)


def test_source_statements_come_first_as_the_provider_model_rewrites_them() -> None:
    document = render([StatementSpec(sid="Own", actions=("sqs:SendMessage",))], sources=[COMMON])
    assert [statement["Sid"] for statement in document["Statement"]] == ["Logs", "Org", "Own"]
    org = document["Statement"][1]
    assert org["Condition"] == {"StringEquals": {"aws:ResourceOrgID": ["o-abcdefghij"]}}
    assert org["Principal"] == {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]}


def test_a_statement_replaces_a_source_statement_of_the_same_sid_in_place() -> None:
    document = render([StatementSpec(sid="Logs", actions=("logs:CreateLogStream",))], sources=[COMMON])
    assert [statement["Sid"] for statement in document["Statement"]] == ["Logs", "Org"]
    assert document["Statement"][0]["Action"] == "logs:CreateLogStream"


def test_a_sid_repeated_among_sources_or_statements_is_an_error() -> None:
    with pytest.raises(PolicyDocumentError, match=r"duplicate Sid \(Logs\) in source_policy_documents"):
        render([], sources=[COMMON, COMMON])
    with pytest.raises(PolicyDocumentError, match=r"duplicate Sid \(A\)"):
        render([StatementSpec(sid="A"), StatementSpec(sid="A")])


def test_overrides_replace_statements_of_their_sid_and_append_the_rest() -> None:
    override = json.dumps(
        {"Statement": [{"Sid": "Own", "Effect": "Deny", "Action": "*"}, {"Sid": "New", "Effect": "Allow"}]}
    )
    document = render([StatementSpec(sid="Own", actions=("sqs:SendMessage",))], overrides=[override])
    assert document["Statement"] == [
        {"Sid": "Own", "Effect": "Deny", "Action": "*"},
        {"Sid": "New", "Effect": "Allow"},
    ]


def test_the_highest_version_wins_and_policy_id_becomes_id() -> None:
    old = json.dumps({"Version": "2008-10-17", "Statement": []})
    document = render([], version="2012-10-17", policy_id="cce", sources=[old])
    assert document == {"Version": "2012-10-17", "Id": "cce", "Statement": []}


def test_the_json_attribute_is_indented_by_two_spaces() -> None:
    text = to_json(render([StatementSpec(sid="A", actions=("s3:GetObject",))]))
    assert text.splitlines()[:4] == ["{", '  "Version": "2012-10-17",', '  "Statement": [', "    {"]
