variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name this module creates (functions, queues, table, roles, secret)."
  default     = "cce-scan"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,23}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-25 characters of lowercase letters, digits and '-', starting with a letter."
  }
}

variable "organization_id" {
  type        = string
  description = "AWS Organizations ID (o-...). The worker may assume the member role only in accounts of this organization."

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abcd123456 (o- followed by 10-32 lowercase letters or digits)."
  }
}

variable "member_account_ids" {
  type        = list(string)
  description = "12-digit IDs of the member accounts: the Command document is shared with them and the worker may assume their member role."

  validation {
    condition     = length(var.member_account_ids) >= 1 && length(var.member_account_ids) <= 1000
    error_message = "member_account_ids must list between 1 and 1000 accounts (the SSM document sharing limit)."
  }

  validation {
    condition     = alltrue([for id in var.member_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "Every member account ID must be exactly 12 digits, written as a quoted string."
  }

  validation {
    condition     = length(distinct(var.member_account_ids)) == length(var.member_account_ids)
    error_message = "member_account_ids lists an account twice."
  }
}

variable "member_role_name" {
  type        = string
  description = "Name of the role the worker assumes in every member account (module member_role, configuration member_role.name)."
  default     = "CceScanMemberRole"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.member_role_name))
    error_message = "member_role_name must be an IAM role name: 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "results_bucket_name" {
  type        = string
  description = "Name of the results bucket to create (configuration results_bucket): bundles/, results/, findings/, reports/."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.results_bucket_name)) && !startswith(var.results_bucket_name, "xn--")
    error_message = "results_bucket_name must be 3-63 lowercase letters, digits and '-': no dots, since hosts fetch https://<bucket>.s3.<region>.amazonaws.com/ and S3's certificate does not cover dotted names."
  }
}

variable "document_name" {
  type        = string
  description = "Name of the shared Command document (configuration document.name)."
  default     = "cce-scan-kisa"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,128}$", var.document_name)) && !can(regex("^(?i)(aws|amazon|amzn)", var.document_name))
    error_message = "document_name must be 3-128 characters of letters, digits and _.- and must not start with aws, amazon or amzn."
  }
}

variable "document_path" {
  type        = string
  description = "Path of the Command document rendered for this bucket and region by `cce-scan document render` (written by `make package`)."

  validation {
    condition     = fileexists(var.document_path)
    error_message = "document_path must name an existing file: run `make package BUCKET=<bucket> REGION=<region>` first."
  }
}

variable "bundle_path" {
  type        = string
  description = "Path of the check bundle tar written by `cce-scan bundle build` (make package); uploaded as bundles/<sha256>/script.tar, the newest of which scans use."

  validation {
    condition     = endswith(var.bundle_path, ".tar") && fileexists(var.bundle_path)
    error_message = "bundle_path must name an existing .tar file built by `make package`."
  }
}

variable "config_path" {
  type        = string
  description = "Path of the cce-scan YAML configuration; it is stored in an SSM SecureString parameter the functions read at cold start."

  validation {
    condition     = fileexists(var.config_path)
    error_message = "config_path must name an existing cce-scan configuration file."
  }
}

variable "bot_package_path" {
  type        = string
  description = "Path of the bot Lambda zip (bot and scanner code with Slack dependencies) built by `make package`."

  validation {
    condition     = endswith(var.bot_package_path, ".zip") && fileexists(var.bot_package_path)
    error_message = "bot_package_path must name an existing .zip file built by `make package`."
  }
}

variable "scanner_package_path" {
  type        = string
  description = "Path of the scanner Lambda zip (scanner code without Slack dependencies) built by `make package`."

  validation {
    condition     = endswith(var.scanner_package_path, ".zip") && fileexists(var.scanner_package_path)
    error_message = "scanner_package_path must name an existing .zip file built by `make package`."
  }
}

variable "lambda_architecture" {
  type        = string
  description = "Instruction set of every function; it must match the architecture the packages were built for (`make package LAMBDA_ARCH=...`)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_runtime" {
  type        = string
  description = "Python runtime of every function; it must match the Python version the packages were built for."
  default     = "python3.12"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.lambda_runtime)
    error_message = "lambda_runtime must be python3.11, python3.12 or python3.13."
  }
}

variable "lambda_memory_mb" {
  type = object({
    bot      = optional(number, 512)
    notifier = optional(number, 512)
    worker   = optional(number, 512)
    analyzer = optional(number, 1024)
  })
  description = "Memory of each function in MB."
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.lambda_memory_mb) : v >= 128 && v <= 10240])
    error_message = "Every memory size must be between 128 and 10240 MB."
  }
}

variable "bot_timeout_seconds" {
  type        = number
  description = "Timeout of the bot function; its lazy listeners (thread parent, approval, enqueue) run in a self-invocation bounded by it."
  default     = 60

  validation {
    condition     = var.bot_timeout_seconds >= 10 && var.bot_timeout_seconds <= 900
    error_message = "bot_timeout_seconds must be between 10 and 900."
  }
}

variable "worker_timeout_seconds" {
  type        = number
  description = "Timeout of the scan worker (one dispatch or tracking step); the jobs queue's visibility timeout is six times this."
  default     = 300

  validation {
    condition     = var.worker_timeout_seconds >= 30 && var.worker_timeout_seconds <= 900
    error_message = "worker_timeout_seconds must be between 30 and 900."
  }
}

variable "worker_reserved_concurrency" {
  type        = number
  description = "Concurrent scan workers at most: bounds the SSM and STS calls made into the member accounts at once."
  default     = 4

  validation {
    condition     = var.worker_reserved_concurrency >= 2 && var.worker_reserved_concurrency <= 100
    error_message = "worker_reserved_concurrency must be between 2 and 100 (an SQS trigger needs at least 2)."
  }
}

variable "notifier_reserved_concurrency" {
  type        = number
  description = "Concurrent notifiers at most: keeps chat.postMessage and chat.update within Slack's rate limits."
  default     = 2

  validation {
    condition     = var.notifier_reserved_concurrency >= 2 && var.notifier_reserved_concurrency <= 20
    error_message = "notifier_reserved_concurrency must be between 2 and 20 (an SQS trigger needs at least 2)."
  }
}

variable "analyzer_reserved_concurrency" {
  type        = number
  description = "Concurrent analyzers at most: bounds S3 reads and table writes when many hosts upload at once."
  default     = 10

  validation {
    condition     = var.analyzer_reserved_concurrency >= 1 && var.analyzer_reserved_concurrency <= 200
    error_message = "analyzer_reserved_concurrency must be between 1 and 200."
  }
}

variable "bot_reserved_concurrency" {
  type        = number
  description = "Concurrent bot invocations at most (Slack requests and their lazy self-invocations); -1 leaves the bot unreserved."
  default     = 20

  validation {
    condition     = var.bot_reserved_concurrency == -1 || (var.bot_reserved_concurrency >= 2 && var.bot_reserved_concurrency <= 200)
    error_message = "bot_reserved_concurrency must be -1 (unreserved) or between 2 and 200."
  }
}

variable "worker_batch_size" {
  type        = number
  description = "Jobs handed to one worker invocation; failed jobs are reported one by one (partial batch response)."
  default     = 1

  validation {
    condition     = var.worker_batch_size >= 1 && var.worker_batch_size <= 10
    error_message = "worker_batch_size must be between 1 and 10."
  }
}

variable "queue_max_receive_count" {
  type        = number
  description = "Deliveries of one message before it moves to its dead-letter queue."
  default     = 5

  validation {
    condition     = var.queue_max_receive_count >= 1 && var.queue_max_receive_count <= 100
    error_message = "queue_max_receive_count must be between 1 and 100."
  }
}

variable "queue_age_alarm_seconds" {
  type        = number
  description = "Alarm when the oldest message of the jobs or events queue is older than this."
  default     = 900

  validation {
    condition     = var.queue_age_alarm_seconds >= 60
    error_message = "queue_age_alarm_seconds must be at least 60."
  }
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs (for example SNS topics) notified when an alarm fires or recovers."
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$", arn))])
    error_message = "Every alarm action must be an ARN."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the functions' CloudWatch log groups."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "results_retention_days" {
  type        = number
  description = "Days a host's raw result tar (results/) is kept."
  default     = 30

  validation {
    condition     = var.results_retention_days >= 1 && var.results_retention_days <= 3650
    error_message = "results_retention_days must be between 1 and 3650."
  }
}

variable "findings_retention_days" {
  type        = number
  description = "Days findings (findings/) and reports (reports/) are kept."
  default     = 400

  validation {
    condition     = var.findings_retention_days >= 1 && var.findings_retention_days <= 3650
    error_message = "findings_retention_days must be between 1 and 3650."
  }
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days an overwritten or deleted object version is kept before it expires."
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && var.noncurrent_version_retention_days <= 3650
    error_message = "noncurrent_version_retention_days must be between 1 and 3650."
  }
}

variable "access_log_bucket_name" {
  type        = string
  description = "Existing bucket that receives the results bucket's server access logs; null disables them."
  default     = null

  validation {
    condition     = var.access_log_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket_name))
    error_message = "access_log_bucket_name must be null or a valid S3 bucket name."
  }
}

variable "table_ttl_attribute" {
  type        = string
  description = "Attribute of the state table holding the expiry time (epoch seconds) of each item (scanner/state.py writes ttl)."
  default     = "ttl"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]{0,254}$", var.table_ttl_attribute))
    error_message = "table_ttl_attribute must be 1-255 letters, digits or '_' and must not start with a digit."
  }
}

variable "slack_api_url" {
  type        = string
  description = "Base URL of the Slack Web API given to the bot as SLACK_API_URL; null keeps Slack's default."
  default     = null

  validation {
    condition     = var.slack_api_url == null || can(regex("^https://[^\\s]+/$", var.slack_api_url))
    error_message = "slack_api_url must be null or an https URL ending with '/'."
  }
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period before the module's KMS key is deleted after destroy."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource that takes tags."
  default     = {}
}
