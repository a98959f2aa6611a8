# The role that imports this member account's own findings into Security Hub (`cce-scan analyze
# --import-securityhub --securityhub-role`; docs/design.md, "The importer role (why not the member
# role)"): trusted only by the principal the operator names, with the ExternalId when one is given;
# it may only send findings under this account's default product ARN in the given regions.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  # BatchImportFindings' resource is the product (Service Authorization Reference). Security Hub
  # takes a finding under the default product only from the account the finding names, in the
  # product ARN's region: this account's own default product, once per region.
  product_arns = [
    for region in var.regions :
    "arn:${local.partition}:securityhub:${region}:${local.account_id}:product/${local.account_id}/default"
  ]

  # The ExternalId as a map of zero or one entry, so that the trust demands it only when one is given.
  external_ids = { for id in [var.external_id] : "external_id" => id if id != null }

  # The trust with the ExternalId condition when one is given, the plain one otherwise.
  trust_policy = concat(
    [for document in data.aws_iam_policy_document.trust_with_external_id : document.json],
    [data.aws_iam_policy_document.trust.json],
  )[0]
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "ImportingPrincipal"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.trusted_principal_arn]
    }
  }
}

data "aws_iam_policy_document" "trust_with_external_id" {
  for_each = local.external_ids

  statement {
    sid     = "ImportingPrincipalWithExternalId"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.trusted_principal_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [each.value]
    }
  }
}

resource "aws_iam_role" "importer" {
  name                 = var.role_name
  description          = "cce-scan: imports this account's own findings into Security Hub (BatchImportFindings on its default product only)."
  assume_role_policy   = local.trust_policy
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "ImportOwnFindings"
    effect    = "Allow"
    actions   = ["securityhub:BatchImportFindings"]
    resources = local.product_arns
  }
}

resource "aws_iam_role_policy" "importer" {
  name   = "${var.role_name}-import"
  role   = aws_iam_role.importer.id
  policy = data.aws_iam_policy_document.permissions.json
}
