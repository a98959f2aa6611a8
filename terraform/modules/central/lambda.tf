# The four functions of docs/design.md, "The Lambda entries" (handler and environment names are fixed
# there and checked against the code by tests/terraform/test_entries.py): bot (Function URL), notifier
# (events queue), worker (jobs queue) and analyzer (S3 ObjectCreated on results/).

locals {
  config_env = "ssm:${local.config_parameter_name}"

  functions = {
    bot = {
      handler     = "bot.handler.handler"
      package     = var.bot_package_path
      memory      = var.lambda_memory_mb.bot
      timeout     = var.bot_timeout_seconds
      concurrency = var.bot_reserved_concurrency
      environment = {
        CCE_SCAN_CONFIG           = local.config_env
        SLACK_SECRET_ARN          = aws_secretsmanager_secret.slack.arn
        CCE_SCAN_TABLE            = aws_dynamodb_table.state.name
        CCE_SCAN_APPROVALS_TABLE  = aws_dynamodb_table.approvals.name
        CCE_SCAN_JOBS_QUEUE_URL   = aws_sqs_queue.jobs.url
        CCE_SCAN_EVENTS_QUEUE_URL = aws_sqs_queue.events.url
        CCE_SCAN_WORKER_FUNCTION  = local.function_names.worker
      }
      optional_environment = { SLACK_API_URL = var.slack_api_url }
    }
    notifier = {
      handler     = "bot.notifier.handler"
      package     = var.bot_package_path
      memory      = var.lambda_memory_mb.notifier
      timeout     = 60
      concurrency = var.notifier_reserved_concurrency
      environment = {
        CCE_SCAN_CONFIG           = local.config_env
        SLACK_SECRET_ARN          = aws_secretsmanager_secret.slack.arn
        CCE_SCAN_TABLE            = aws_dynamodb_table.state.name
        CCE_SCAN_APPROVALS_TABLE  = aws_dynamodb_table.approvals.name
        CCE_SCAN_EVENTS_QUEUE_URL = aws_sqs_queue.events.url
      }
      optional_environment = { SLACK_API_URL = var.slack_api_url }
    }
    worker = {
      handler     = "scanner.entries.worker.handler"
      package     = var.scanner_package_path
      memory      = var.lambda_memory_mb.worker
      timeout     = var.worker_timeout_seconds
      concurrency = var.worker_reserved_concurrency
      environment = {
        CCE_SCAN_CONFIG           = local.config_env
        CCE_SCAN_TABLE            = aws_dynamodb_table.state.name
        CCE_SCAN_APPROVALS_TABLE  = aws_dynamodb_table.approvals.name
        CCE_SCAN_JOBS_QUEUE_URL   = aws_sqs_queue.jobs.url
        CCE_SCAN_EVENTS_QUEUE_URL = aws_sqs_queue.events.url
      }
      optional_environment = {}
    }
    analyzer = {
      handler     = "scanner.entries.analyzer.handler"
      package     = var.scanner_package_path
      memory      = var.lambda_memory_mb.analyzer
      timeout     = 300
      concurrency = var.analyzer_reserved_concurrency
      environment = {
        CCE_SCAN_CONFIG           = local.config_env
        CCE_SCAN_TABLE            = aws_dynamodb_table.state.name
        CCE_SCAN_EVENTS_QUEUE_URL = aws_sqs_queue.events.url
      }
      optional_environment = {}
    }
  }

  # Optional variables (null) are left out of the function's environment.
  function_environment = {
    for key, fn in local.functions :
    key => merge(fn.environment, { for name, value in fn.optional_environment : name => value if value != null })
  }
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_lambda_function" "bot" {
  #checkov:skip=CKV_AWS_116:Failed asynchronous (lazy) invocations go to an on-failure destination (aws_lambda_function_event_invoke_config.bot), which supersedes a function DLQ; both would deliver each failure twice.
  #checkov:skip=CKV_AWS_117:The bot talks only to Slack and to AWS public endpoints; a VPC would add a NAT gateway and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the adopting team owns; packages are built reproducibly by make package instead.
  function_name                  = local.function_names.bot
  description                    = "cce-scan Slack front door (Bolt, Function URL) and its lazy self-invocations."
  role                           = aws_iam_role.function["bot"].arn
  handler                        = local.functions.bot.handler
  runtime                        = var.lambda_runtime
  architectures                  = [var.lambda_architecture]
  filename                       = local.functions.bot.package
  source_code_hash               = filebase64sha256(local.functions.bot.package)
  memory_size                    = local.functions.bot.memory
  timeout                        = local.functions.bot.timeout
  reserved_concurrent_executions = local.functions.bot.concurrency
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = local.function_environment.bot
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["bot"].name
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_function" "notifier" {
  #checkov:skip=CKV_AWS_117:The notifier talks only to Slack and to AWS public endpoints; a VPC would add a NAT gateway and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the adopting team owns; packages are built reproducibly by make package instead.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the events-queue trigger; failed messages go to the queue's dead-letter queue (redrive policy), not to a function DLQ.
  function_name                  = local.function_names.notifier
  description                    = "cce-scan scan events -> Slack thread (progress, outcomes, final report)."
  role                           = aws_iam_role.function["notifier"].arn
  handler                        = local.functions.notifier.handler
  runtime                        = var.lambda_runtime
  architectures                  = [var.lambda_architecture]
  filename                       = local.functions.notifier.package
  source_code_hash               = filebase64sha256(local.functions.notifier.package)
  memory_size                    = local.functions.notifier.memory
  timeout                        = local.functions.notifier.timeout
  reserved_concurrent_executions = local.functions.notifier.concurrency
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = local.function_environment.notifier
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["notifier"].name
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_function" "worker" {
  #checkov:skip=CKV_AWS_117:The worker calls only AWS public endpoints (STS, SSM, S3 presign, SQS, DynamoDB); a VPC would add a NAT gateway and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the adopting team owns; packages are built reproducibly by make package instead.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the jobs-queue trigger; failed jobs go to the queue's dead-letter queue (redrive policy), not to a function DLQ.
  function_name                  = local.function_names.worker
  description                    = "cce-scan scan worker: assume member roles, dispatch the Command document, track hosts."
  role                           = aws_iam_role.function["worker"].arn
  handler                        = local.functions.worker.handler
  runtime                        = var.lambda_runtime
  architectures                  = [var.lambda_architecture]
  filename                       = local.functions.worker.package
  source_code_hash               = filebase64sha256(local.functions.worker.package)
  memory_size                    = local.functions.worker.memory
  timeout                        = local.functions.worker.timeout
  reserved_concurrent_executions = local.functions.worker.concurrency
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = local.function_environment.worker
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["worker"].name
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_function" "analyzer" {
  #checkov:skip=CKV_AWS_116:Failed S3 event invocations go to an on-failure destination (aws_lambda_function_event_invoke_config.analyzer), which supersedes a function DLQ; both would deliver each failure twice.
  #checkov:skip=CKV_AWS_117:The analyzer calls only AWS public endpoints (S3, SQS, DynamoDB); a VPC would add a NAT gateway and no isolation.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the adopting team owns; packages are built reproducibly by make package instead.
  function_name                  = local.function_names.analyzer
  description                    = "cce-scan analyzer: result tar -> findings JSONL and OCSF, host outcome events."
  role                           = aws_iam_role.function["analyzer"].arn
  handler                        = local.functions.analyzer.handler
  runtime                        = var.lambda_runtime
  architectures                  = [var.lambda_architecture]
  filename                       = local.functions.analyzer.package
  source_code_hash               = filebase64sha256(local.functions.analyzer.package)
  memory_size                    = local.functions.analyzer.memory
  timeout                        = local.functions.analyzer.timeout
  reserved_concurrent_executions = local.functions.analyzer.concurrency
  kms_key_arn                    = aws_kms_key.this.arn

  environment {
    variables = local.function_environment.analyzer
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function["analyzer"].name
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.function]
}

# Slack cannot sign requests with SigV4: the URL is public and every request is verified by its
# Slack signature (5-minute window) inside the bot before anything else runs.
resource "aws_lambda_function_url" "bot" {
  #checkov:skip=CKV_AWS_258:Slack cannot send SigV4-signed requests; the bot verifies Slack's HMAC signature and timestamp on every request.
  function_name      = aws_lambda_function.bot.function_name
  authorization_type = "NONE"
  invoke_mode        = "BUFFERED"
}

resource "aws_lambda_permission" "bot_function_url" {
  #checkov:skip=CKV_AWS_301:Slack must reach the Function URL without AWS credentials; only lambda:InvokeFunctionUrl with auth type NONE is public, and the bot rejects requests without a valid Slack signature.
  statement_id           = "SlackCallsFunctionUrl"
  function_name          = aws_lambda_function.bot.function_name
  action                 = "lambda:InvokeFunctionUrl"
  principal              = "*"
  function_url_auth_type = "NONE"
}

# Bolt's lazy listeners re-invoke the bot asynchronously with Slack's original (signed) request.
# A retry would run the lazy work twice and, after 5 minutes, fail signature verification anyway.
resource "aws_lambda_function_event_invoke_config" "bot" {
  function_name                = aws_lambda_function.bot.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 300

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter["bot"].arn
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "analyzer" {
  function_name                = aws_lambda_function.analyzer.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter["analyzer"].arn
    }
  }
}

resource "aws_lambda_permission" "analyzer_from_s3" {
  statement_id   = "ResultsBucketInvokesAnalyzer"
  function_name  = aws_lambda_function.analyzer.function_name
  action         = "lambda:InvokeFunction"
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.results.arn
  source_account = local.account_id
}

resource "aws_lambda_event_source_mapping" "worker_jobs" {
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.worker.arn
  batch_size              = var.worker_batch_size
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.worker_reserved_concurrency
  }
}

resource "aws_lambda_event_source_mapping" "notifier_events" {
  event_source_arn                   = aws_sqs_queue.events.arn
  function_name                      = aws_lambda_function.notifier.arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.notifier_reserved_concurrency
  }
}
