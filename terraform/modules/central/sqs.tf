# Queues: jobs (bot and worker -> worker), scan events (worker and analyzer -> notifier), and the
# dead-letter queues of each, plus the failure destinations of the two asynchronously invoked
# functions (bot lazy self-invocations, analyzer S3 events). Every dead-letter queue has an alarm.

locals {
  dead_letter_queues = {
    jobs     = "${var.name_prefix}-jobs-dlq"
    events   = "${var.name_prefix}-events-dlq"
    bot      = "${var.name_prefix}-bot-failures"
    analyzer = "${var.name_prefix}-analyzer-failures"
  }

  working_queues = {
    jobs   = aws_sqs_queue.jobs
    events = aws_sqs_queue.events
  }
}

resource "aws_sqs_queue" "dead_letter" {
  for_each = local.dead_letter_queues

  name                              = each.value
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  tags                              = var.tags
}

resource "aws_sqs_queue" "jobs" {
  name                              = "${var.name_prefix}-jobs"
  visibility_timeout_seconds        = 6 * var.worker_timeout_seconds
  message_retention_seconds         = 345600
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter["jobs"].arn
    maxReceiveCount     = var.queue_max_receive_count
  })
  tags = var.tags
}

resource "aws_sqs_queue" "events" {
  name                              = "${var.name_prefix}-events"
  visibility_timeout_seconds        = 6 * 60
  message_retention_seconds         = 345600
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter["events"].arn
    maxReceiveCount     = var.queue_max_receive_count
  })
  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each = { jobs = aws_sqs_queue.jobs.arn, events = aws_sqs_queue.events.arn }

  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [each.value]
  })
}

data "aws_iam_policy_document" "queue_tls_only" {
  for_each = merge(
    { for key, queue in aws_sqs_queue.dead_letter : "dlq-${key}" => queue.arn },
    { for key, queue in local.working_queues : key => queue.arn },
  )

  statement {
    sid     = "DenyRequestsWithoutTls"
    effect  = "Deny"
    actions = ["sqs:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [each.value]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "tls_only" {
  for_each = merge(
    { for key, queue in aws_sqs_queue.dead_letter : "dlq-${key}" => queue.id },
    { for key, queue in local.working_queues : key => queue.id },
  )

  queue_url = each.value
  policy    = data.aws_iam_policy_document.queue_tls_only[each.key].json
}

resource "aws_cloudwatch_metric_alarm" "dead_letter_not_empty" {
  for_each = aws_sqs_queue.dead_letter

  alarm_name          = "${each.value.name}-not-empty"
  alarm_description   = "cce-scan: messages reached ${each.value.name}; read them, fix the cause, then redrive or purge."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "queue_backlog_age" {
  for_each = local.working_queues

  alarm_name          = "${each.value.name}-backlog-age"
  alarm_description   = "cce-scan: the oldest message of ${each.value.name} waits longer than ${var.queue_age_alarm_seconds} s; its consumer is failing or throttled."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = var.queue_age_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
