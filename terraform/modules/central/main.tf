data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  function_names = {
    bot      = "${var.name_prefix}-bot"
    notifier = "${var.name_prefix}-notifier"
    worker   = "${var.name_prefix}-worker"
    analyzer = "${var.name_prefix}-analyzer"
  }

  # Built from names, not from resource attributes, so a role's policy can name its own function
  # without a dependency cycle (role -> function -> role).
  function_arns = {
    for key, name in local.function_names :
    key => "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${name}"
  }

  log_group_arns = {
    for key, name in local.function_names :
    key => "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${name}"
  }

  member_role_arns = [
    for id in var.member_account_ids : "arn:${local.partition}:iam::${id}:role/${var.member_role_name}"
  ]

  document_arn = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:document/${var.document_name}"

  config_parameter_name = "/${var.name_prefix}/config"
  config                = yamldecode(file(var.config_path))

  # Sharing takes at most 20 account IDs per call; the provider batches them.
  document_share_ids = join(",", sort(var.member_account_ids))
}
