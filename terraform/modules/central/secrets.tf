# The Slack signing secret and bot token: Terraform creates the secret, never its value. Put the
# value after the first apply (docs/deploy.md):
#   {"signing_secret": "...", "bot_token": "xoxb-..."}

resource "aws_secretsmanager_secret" "slack" {
  #checkov:skip=CKV2_AWS_57:Slack credentials are rotated in the Slack app settings, not by a rotation Lambda; put the new value after rotating there.
  name                    = "${var.name_prefix}/slack"
  description             = "cce-scan Slack app credentials: JSON with signing_secret and bot_token."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
  tags                    = var.tags
}
