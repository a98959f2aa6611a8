# cce-scan in one central account and two member accounts.
#
# The default provider is the central account. Each member account is reached through a role that
# Terraform assumes there (by default the one AWS Organizations creates in new accounts).

provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

provider "aws" {
  alias  = "member_a"
  region = var.region

  assume_role {
    role_arn     = "arn:${data.aws_partition.current.partition}:iam::${var.member_a_account_id}:role/${var.member_deploy_role_name}"
    session_name = "cce-scan-terraform"
  }
}

provider "aws" {
  alias  = "member_b"
  region = var.region

  assume_role {
    role_arn     = "arn:${data.aws_partition.current.partition}:iam::${var.member_b_account_id}:role/${var.member_deploy_role_name}"
    session_name = "cce-scan-terraform"
  }
}

module "central" {
  source = "../../modules/central"

  organization_id      = var.organization_id
  member_account_ids   = [var.member_a_account_id, var.member_b_account_id]
  member_role_name     = var.member_role_name
  results_bucket_name  = var.results_bucket_name
  config_path          = var.config_path
  document_path        = var.document_path
  bundle_path          = var.bundle_path
  bot_package_path     = var.bot_package_path
  scanner_package_path = var.scanner_package_path
  lambda_architecture  = var.lambda_architecture
  alarm_actions        = var.alarm_actions
  tags                 = var.tags
}

module "member_a" {
  source    = "../../modules/member_role"
  providers = { aws = aws.member_a }

  role_name               = var.member_role_name
  central_worker_role_arn = module.central.worker_role_arn
  external_id             = var.external_id
  document_arn            = module.central.document_arn
  regions                 = [var.region]
  tags                    = var.tags
}

module "member_b" {
  source    = "../../modules/member_role"
  providers = { aws = aws.member_b }

  role_name               = var.member_role_name
  central_worker_role_arn = module.central.worker_role_arn
  external_id             = var.external_id
  document_arn            = module.central.document_arn
  regions                 = [var.region]
  tags                    = var.tags
}

# The Security Hub importer role in each member account, when a principal to trust is given
# (`cce-scan analyze --import-securityhub --securityhub-role <importer_role_name>` run as it).
module "importer_a" {
  source    = "../../modules/importer_role"
  providers = { aws = aws.member_a }
  count     = var.findings_import_principal_arn == null ? 0 : 1

  role_name             = var.importer_role_name
  trusted_principal_arn = var.findings_import_principal_arn
  external_id           = var.findings_import_external_id
  regions               = [var.region]
  tags                  = var.tags
}

module "importer_b" {
  source    = "../../modules/importer_role"
  providers = { aws = aws.member_b }
  count     = var.findings_import_principal_arn == null ? 0 : 1

  role_name             = var.importer_role_name
  trusted_principal_arn = var.findings_import_principal_arn
  external_id           = var.findings_import_external_id
  regions               = [var.region]
  tags                  = var.tags
}
