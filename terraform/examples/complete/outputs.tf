output "function_url" {
  description = "Paste into bot/manifest.yaml before creating the Slack app."
  value       = module.central.function_url
}

output "slack_secret_arn" {
  description = "Put the Slack signing secret and bot token here."
  value       = module.central.slack_secret_arn
}

output "worker_role_arn" {
  description = "The central principal the member roles trust."
  value       = module.central.worker_role_arn
}

output "document_arn" {
  description = "The shared Command document."
  value       = module.central.document_arn
}

output "member_role_arns" {
  description = "The member roles, by member."
  value = {
    member_a = module.member_a.role_arn
    member_b = module.member_b.role_arn
  }
}

output "importer_role_arns" {
  description = "The Security Hub importer roles, by member (null without findings_import_principal_arn)."
  value = {
    member_a = one(module.importer_a[*].role_arn)
    member_b = one(module.importer_b[*].role_arn)
  }
}
