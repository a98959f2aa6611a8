output "function_url" {
  description = "The bot's Function URL: paste it into bot/manifest.yaml (slash command, interactivity and options URLs)."
  value       = aws_lambda_function_url.bot.function_url
}

output "slack_request_url" {
  description = "The URL that replaces https://FUNCTION_URL/ in bot/manifest.yaml (same as function_url)."
  value       = aws_lambda_function_url.bot.function_url
}

output "bundle_key" {
  description = "Key of the check bundle this deploy uploaded."
  value       = aws_s3_object.bundle.key
}

output "worker_role_arn" {
  description = "ARN of the scan worker's role: the only principal every member role trusts (module member_role, central_worker_role_arn)."
  value       = aws_iam_role.function["worker"].arn
}

output "document_arn" {
  description = "ARN of the shared Command document: members may send only this document (module member_role, document_arn)."
  value       = aws_ssm_document.scan.arn
}

output "document_name" {
  description = "Name of the shared Command document."
  value       = aws_ssm_document.scan.name
}

output "results_bucket_name" {
  description = "Name of the results bucket."
  value       = aws_s3_bucket.results.id
}

output "state_table_name" {
  description = "Name of the DynamoDB state table."
  value       = aws_dynamodb_table.state.name
}

output "approvals_table_name" {
  description = "Name of the DynamoDB approvals table."
  value       = aws_dynamodb_table.approvals.name
}

output "jobs_queue_url" {
  description = "URL of the scan jobs queue."
  value       = aws_sqs_queue.jobs.url
}

output "events_queue_url" {
  description = "URL of the scan events queue."
  value       = aws_sqs_queue.events.url
}

output "slack_secret_arn" {
  description = "ARN of the Secrets Manager secret to fill with {\"signing_secret\": ..., \"bot_token\": ...}."
  value       = aws_secretsmanager_secret.slack.arn
}

output "config_parameter_name" {
  description = "Name of the SSM parameter holding the configuration (CCE_SCAN_CONFIG=ssm:<name>)."
  value       = aws_ssm_parameter.config.name
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the bucket, table, queues, secret, parameter and logs."
  value       = aws_kms_key.this.arn
}

output "function_names" {
  description = "Names of the four functions by role (bot, notifier, worker, analyzer)."
  value       = { for key, fn in local.function_names : key => fn }
}

output "dead_letter_queue_urls" {
  description = "URLs of the dead-letter and failure queues, by name."
  value       = { for key, queue in aws_sqs_queue.dead_letter : key => queue.url }
}
