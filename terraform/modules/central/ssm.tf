# The Command document (docs/design.md, "The Command document") exactly as
# `cce-scan document render --bucket B --region R` wrote it, shared with every member account, and
# the configuration file the functions read.

locals {
  # The bucket endpoint exactly as `cce-scan document render` writes it into the allowedPatterns
  # (ssm_documents/document.py: virtual-hosted https endpoint, dots escaped).
  document_endpoint_pattern = replace("https://${var.results_bucket_name}.s3.${local.region}.amazonaws.com/", ".", "\\.")
}

resource "aws_ssm_document" "scan" {
  #checkov:skip=CKV_AWS_303:checkov 3.3.30 crashes evaluating this permissions map; the document is shared only with member_account_ids (validated 12-digit IDs, never "All"), which tests/terraform asserts.
  name            = var.document_name
  document_type   = "Command"
  document_format = "YAML"
  content         = file(var.document_path)

  permissions = {
    type        = "Share"
    account_ids = local.document_share_ids
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = strcontains(file(var.document_path), local.document_endpoint_pattern)
      error_message = "The document at document_path was not rendered for this bucket and region: run `cce-scan document render --bucket ${var.results_bucket_name} --region ${local.region} --out <document_path>` (make package) again."
    }
  }
}

resource "aws_ssm_parameter" "config" {
  name        = local.config_parameter_name
  description = "cce-scan configuration (YAML), read by every function at cold start through CCE_SCAN_CONFIG."
  type        = "SecureString"
  key_id      = aws_kms_key.this.arn
  tier        = length(file(var.config_path)) > 4096 ? "Advanced" : "Standard"
  value       = file(var.config_path)
  tags        = var.tags

  lifecycle {
    precondition {
      condition     = try(local.config.results_bucket, null) == var.results_bucket_name
      error_message = "The configuration's results_bucket must equal results_bucket_name."
    }
    precondition {
      condition     = try(local.config.member_role.name, null) == var.member_role_name
      error_message = "The configuration's member_role.name must equal member_role_name."
    }
    precondition {
      condition     = try(local.config.document.name, "cce-scan-kisa") == var.document_name
      error_message = "The configuration's document.name must equal document_name."
    }
    precondition {
      condition     = try(tostring(local.config.central.account_id), null) == local.account_id && try(local.config.central.region, null) == local.region
      error_message = "The configuration's central.account_id and central.region must be the account and region this module is applied in."
    }
    precondition {
      condition     = length(setsubtract([for account in try(local.config.accounts, []) : tostring(account.id)], var.member_account_ids)) == 0
      error_message = "Every account in the configuration must be listed in member_account_ids (the document is shared only with those)."
    }
  }
}
