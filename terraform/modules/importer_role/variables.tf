variable "role_name" {
  type        = string
  description = "Name of the importer role (cce-scan analyze --securityhub-role); the same in every member account."
  default     = "CceScanFindingsImporter"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be an IAM role name: 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "trusted_principal_arn" {
  type        = string
  description = "ARN of the one role that runs the import and may assume this role (an operator or SSO role, or a CI role, usually of the central account)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.trusted_principal_arn))
    error_message = "trusted_principal_arn must be an IAM role ARN (arn:<partition>:iam::<12 digits>:role/<path and name>), not an account root or a wildcard."
  }
}

# Not marked sensitive: an ExternalId is not a secret, and the trust selects its condition with
# for_each, which Terraform refuses on sensitive values.
variable "external_id" {
  type        = string
  description = "The sts:ExternalId the importing principal must present (cce-scan analyze --securityhub-external-id); null for none."
  default     = null

  validation {
    condition     = var.external_id == null ? true : length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be null or 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "regions" {
  type        = list(string)
  description = "Regions whose Security Hub receives this account's findings (the regions of its hosts); the role may import only there."

  validation {
    condition     = length(var.regions) >= 1 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "regions must list at least one region name such as ap-northeast-2."
  }
}

variable "permissions_boundary_arn" {
  type        = string
  description = "Permissions boundary to attach to the role, when the account requires one; null for none."
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be null or an IAM policy ARN."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to the role."
  default     = {}
}
