# Approval requests expire (scan.approval_ttl_minutes in the config); a scheduled sweep by the
# notifier (bot/notifier.py, an "aws.events" invocation) replaces their buttons with the outcome.

resource "aws_cloudwatch_event_rule" "approval_sweep" {
  name                = "${var.name_prefix}-approval-sweep"
  description         = "cce-scan: expire approval requests whose time is up."
  schedule_expression = "rate(5 minutes)"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "approval_sweep" {
  rule = aws_cloudwatch_event_rule.approval_sweep.name
  arn  = aws_lambda_function.notifier.arn
}

resource "aws_lambda_permission" "approval_sweep" {
  statement_id  = "AllowApprovalSweep"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.notifier.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.approval_sweep.arn
}
