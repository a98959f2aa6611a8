output "role_arn" {
  description = "ARN of the importer role (cce-scan analyze --securityhub-role takes its name)."
  value       = aws_iam_role.importer.arn
}

output "role_name" {
  description = "Name of the importer role."
  value       = aws_iam_role.importer.name
}

output "product_arns" {
  description = "The default product ARNs of this account, one per region, under which the role may import."
  value       = local.product_arns
}
