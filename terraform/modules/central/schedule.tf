# Approval requests expire (scan.approval_ttl_minutes in the config); a scheduled sweep by the
# notifier (bot/notifier.py, an "aws.events" invocation) closes each due request and its scan as
# EXPIRED in one write, replaces the request's buttons with the outcome and updates the thread
# parent. At most 5 minutes apart, so a request is closed within minutes of its time.

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
