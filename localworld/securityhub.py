"""Security Hub's own rule on ``BatchImportFindings``, which moto leaves out.

botocore's ``BatchImportFindings`` documentation: with the default product ARN
(``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``) the call must come
from the account the finding names (``AwsAccountId``); only an account Security Hub allow-listed
for an official partner integration may send other accounts' findings. The product ARN's region is
the region of the endpoint called.

How Security Hub refuses a violation: not with a ``FailedFindings`` entry but with
``AccessDeniedException`` for the whole call (HTTP 403), worded as IAM's denial and naming the
product ARN as the resource, even when the caller's policies allow the action: ``User: <caller> is
not authorized to perform: securityhub:BatchImportFindings on resource: <ProductArn>``. Reports of
it in public trackers: a finding of another account sent from a central account (prowler's "Prowler
does not work in the central SecurityHub account (AWS Support confirmed bug)", quoting AWS Support),
a finding whose product ARN names another region than the endpoint's (prowler's "SecurityHub import
fails with AccessDenied if finding is in another region"; cloud-custodian's "[SecurityHub]
Cross-Region aggregation not working", fixed by sending to the product ARN's region). The world
allow-lists no partner, so a product ARN other than the caller's own
default product in the endpoint's region is refused the same way. The IAM gate has already judged
the caller's policies on each product ARN (:mod:`localworld.iam.requests`) before this rule runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from localworld.iam.denied import Answer
from localworld.iam.requests import WireRequest, operation, securityhub_findings

__all__ = ["default_product_arn", "refusal", "refused_product"]


def default_product_arn(partition: str, region: str, account_id: str) -> str:
    """The default product of ``account_id`` in ``region``: the one it may import its findings under."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def refused_product(findings: Sequence[Mapping[str, Any]], account_id: str, region: str) -> str | None:
    """The product ARN of the first finding the caller of ``account_id`` may not import through the
    endpoint of ``region``, or ``None`` when every finding passes the rule."""
    for finding in findings:
        product = str(finding.get("ProductArn", ""))
        parts = product.split(":")
        partition = parts[1] if len(parts) > 5 and parts[0] == "arn" else "aws"
        own = default_product_arn(partition, region, account_id)
        if product != own or str(finding.get("AwsAccountId", "")) != account_id:
            return product
    return None


def refusal(request: WireRequest) -> Answer | None:
    """Security Hub's answer to a ``BatchImportFindings`` that breaks the rule; ``None`` for any
    other request, and for one that keeps it."""
    if request.service != "securityhub" or operation(request) != "BatchImportFindings":
        return None
    product = refused_product(securityhub_findings(request), request.principal.account_id, request.region)
    if product is None:
        return None
    message = (
        f"User: {request.principal.arn} is not authorized to perform: securityhub:BatchImportFindings "
        f"on resource: {product}"
    )
    body = json.dumps({"Code": "AccessDeniedException", "Message": message}).encode()
    headers = (("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException"))
    return Answer("403 Forbidden", headers, body)
