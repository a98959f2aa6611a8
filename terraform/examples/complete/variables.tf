variable "region" {
  type        = string
  description = "Region of the central account's resources; the shared document exists only here, so member hosts are scanned here."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be a region name such as ap-northeast-2."
  }
}

variable "organization_id" {
  type        = string
  description = "AWS Organizations ID (o-...) of the central and member accounts."

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abcd123456."
  }
}

variable "member_a_account_id" {
  type        = string
  description = "12-digit ID of the first member account."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.member_a_account_id))
    error_message = "member_a_account_id must be exactly 12 digits."
  }
}

variable "member_b_account_id" {
  type        = string
  description = "12-digit ID of the second member account."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.member_b_account_id))
    error_message = "member_b_account_id must be exactly 12 digits."
  }
}

variable "member_deploy_role_name" {
  type        = string
  description = "Role Terraform assumes in each member account to create the member role (for example OrganizationAccountAccessRole)."
  default     = "OrganizationAccountAccessRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.member_deploy_role_name))
    error_message = "member_deploy_role_name must be an IAM role name."
  }
}

variable "member_role_name" {
  type        = string
  description = "Name of the role cce-scan assumes in the member accounts (configuration member_role.name)."
  default     = "CceScanMemberRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.member_role_name))
    error_message = "member_role_name must be an IAM role name."
  }
}

variable "external_id" {
  type        = string
  description = "ExternalId the worker presents to the member roles (configuration member_role.external_id)."
  sensitive   = true

  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "importer_role_name" {
  type        = string
  description = "Name of the Security Hub importer role in the member accounts (cce-scan analyze --securityhub-role)."
  default     = "CceScanFindingsImporter"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.importer_role_name))
    error_message = "importer_role_name must be an IAM role name."
  }
}

variable "findings_import_principal_arn" {
  type        = string
  description = "ARN of the role that runs cce-scan analyze --import-securityhub (an operator, SSO or CI role); the importer roles trust it alone. null: no importer role."
  default     = null

  validation {
    condition     = var.findings_import_principal_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.findings_import_principal_arn))
    error_message = "findings_import_principal_arn must be null or an IAM role ARN (arn:<partition>:iam::<12 digits>:role/<path and name>)."
  }
}

variable "findings_import_external_id" {
  type        = string
  description = "ExternalId the importing role presents (cce-scan analyze --securityhub-external-id); null for none."
  default     = null

  validation {
    condition     = var.findings_import_external_id == null ? true : length(var.findings_import_external_id) >= 2 && length(var.findings_import_external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.findings_import_external_id))
    error_message = "findings_import_external_id must be null or 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "results_bucket_name" {
  type        = string
  description = "Name of the results bucket (configuration results_bucket)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.results_bucket_name))
    error_message = "results_bucket_name must be 3-63 lowercase letters, digits and '-' (no dots: hosts use the bucket's https endpoint)."
  }
}

variable "config_path" {
  type        = string
  description = "Path of the cce-scan configuration file."
}

variable "document_path" {
  type        = string
  description = "Path of the document written by `make package BUCKET=... REGION=...`."
}

variable "bundle_path" {
  type        = string
  description = "Path of the check bundle tar written by `make package`."
}

variable "bot_package_path" {
  type        = string
  description = "Path of the bot zip written by `make package`."
}

variable "scanner_package_path" {
  type        = string
  description = "Path of the scanner zip written by `make package`."
}

variable "lambda_architecture" {
  type        = string
  description = "Architecture the packages were built for (make package LAMBDA_ARCH)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified by the queue alarms (for example an SNS topic)."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = { project = "cce-scan" }
}
