variable "role_name" {
  type        = string
  description = "Name of the role the central worker assumes (configuration member_role.name, central module member_role_name)."
  default     = "CceScanMemberRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be an IAM role name: 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "central_worker_role_arn" {
  type        = string
  description = "ARN of the central scan worker's role (central module output worker_role_arn): the only principal trusted."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.central_worker_role_arn))
    error_message = "central_worker_role_arn must be an IAM role ARN (arn:<partition>:iam::<12 digits>:role/<name>)."
  }
}

variable "external_id" {
  type        = string
  description = "The sts:ExternalId the worker must present (configuration member_role.external_id)."
  sensitive   = true

  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[A-Za-z0-9_+=,.@:/-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "document_arn" {
  type        = string
  description = "ARN of the Command document shared by the central account (central module output document_arn)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:document/[a-zA-Z0-9_.-]{3,128}$", var.document_arn))
    error_message = "document_arn must be an SSM document ARN (arn:<partition>:ssm:<region>:<12 digits>:document/<name>)."
  }
}

variable "regions" {
  type        = list(string)
  description = "Regions where the worker may run commands on this account's instances; the shared document exists only in the central region."

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
