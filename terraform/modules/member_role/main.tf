# The role the central scan worker assumes in this member account (docs/design.md, "Least
# privilege"): trusted only by the worker role and only with the ExternalId; it may send only the
# shared document to this account's instances, plus the read calls discovery and tracking need
# (ec2:DescribeInstanceStatus finds the running instances SSM does not manage: "not covered").

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  instance_arns = [
    for region in var.regions : "arn:${local.partition}:ec2:${region}:${local.account_id}:instance/*"
  ]
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "CentralWorkerWithExternalId"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.central_worker_role_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }

  # The worker names each session after the scan and its requester (source identity), which then
  # appears in this account's CloudTrail for every call made in the session.
  statement {
    sid     = "CentralWorkerSetsSourceIdentity"
    effect  = "Allow"
    actions = ["sts:SetSourceIdentity"]
    principals {
      type        = "AWS"
      identifiers = [var.central_worker_role_arn]
    }
  }
}

resource "aws_iam_role" "member" {
  name                 = var.role_name
  description          = "cce-scan: the central scan worker runs the shared KISA CCE document on this account's instances."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "SendOnlyTheSharedDocumentToInstances"
    effect    = "Allow"
    actions   = ["ssm:SendCommand"]
    resources = concat([var.document_arn], local.instance_arns)
  }

  # These calls take no resource-level permission (Resource must be "*"); they are limited to the
  # configured regions.
  statement {
    sid    = "DiscoverAndTrackCommands"
    effect = "Allow"
    actions = [
      "ec2:DescribeInstanceStatus",
      "ec2:DescribeInstances",
      "ec2:DescribeTags",
      "ssm:CancelCommand",
      "ssm:DescribeInstanceInformation",
      "ssm:GetCommandInvocation",
      "ssm:ListCommandInvocations",
      "ssm:ListCommands",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = var.regions
    }
  }
}

resource "aws_iam_role_policy" "member" {
  name   = "${var.role_name}-scan"
  role   = aws_iam_role.member.id
  policy = data.aws_iam_policy_document.permissions.json
}
