# One role per function, each with only what its code does. Resources are named, never "*", except
# for X-Ray, whose two write calls take no resource.

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    sid     = "LambdaServiceAssumes"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.function_names

  name                 = "${each.value}-${local.region}"
  description          = "cce-scan ${each.key} function"
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

# What every function needs: its own log group, X-Ray, the module's key and the configuration.
data "aws_iam_policy_document" "common" {
  for_each = local.function_names

  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arns[each.key]}:*"]
  }

  statement {
    sid       = "XRayTraces"
    effect    = "Allow"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  statement {
    sid       = "UseModuleKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
  }

  statement {
    sid       = "ReadConfiguration"
    effect    = "Allow"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.config.arn]
  }

  statement {
    sid    = "UseStateTable"
    effect = "Allow"
    actions = [
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:ConditionCheckItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    # A Query of an index is authorized against the index's ARN (table/NAME/index/INDEX).
    resources = [aws_dynamodb_table.state.arn, "${aws_dynamodb_table.state.arn}/index/*"]
  }
}

# Starting a scan (scanner/engine.py, run by the bot and re-checked by the worker) records the
# newest bundles/<sha256>/script.tar (scanner/artifacts.py) and the shared document's hash.
data "aws_iam_policy_document" "start_scans" {
  statement {
    sid       = "FindCurrentBundle"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.results.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["bundles/", "bundles/*"]
    }
  }

  statement {
    sid       = "ReadSharedDocumentHash"
    effect    = "Allow"
    actions   = ["ssm:DescribeDocument"]
    resources = [local.document_arn]
  }
}

data "aws_iam_policy_document" "bot" {
  source_policy_documents = [
    data.aws_iam_policy_document.common["bot"].json,
    data.aws_iam_policy_document.start_scans.json,
  ]

  # Approvals (scanner/approvals.py): the bot opens a request, notes where its message is, and
  # writes the decision with the scan's change (the engine's start, a denial, an expiry). No other
  # role may write the approvals table.
  statement {
    sid    = "RequestAndDecideApprovals"
    effect = "Allow"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.approvals.arn]
  }

  # `/cce-scan account <OU name>` resolves Organizations OUs to accounts (scanner/targets.py); it
  # answers only when this is the management account or a delegated administrator.
  statement {
    sid       = "ListRootsOfTheOrganization"
    effect    = "Allow"
    actions   = ["organizations:ListRoots"]
    resources = ["*"]
  }

  statement {
    sid     = "WalkOrganizationalUnits"
    effect  = "Allow"
    actions = ["organizations:ListOrganizationalUnitsForParent", "organizations:ListAccountsForParent"]
    resources = [
      "arn:${local.partition}:organizations::*:root/${var.organization_id}/*",
      "arn:${local.partition}:organizations::*:ou/${var.organization_id}/*",
    ]
  }

  statement {
    sid     = "LazyListenersInvokeThisFunction"
    effect  = "Allow"
    actions = ["lambda:InvokeFunction"]
    # Bolt re-invokes invoked_function_arn, which may carry a version or alias qualifier.
    resources = [local.function_arns.bot, "${local.function_arns.bot}:*"]
  }

  # Host targets and host estimates need the member accounts, which trust only the worker's role:
  # the bot asks the worker (scanner/entries/worker.py, a direct RequestResponse invocation).
  statement {
    sid       = "AskTheWorkerAboutMemberAccounts"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.function_arns.worker]
  }

  statement {
    sid       = "EnqueueScanJobs"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.jobs.arn]
  }

  # Starting a scan publishes its scan.started event (scanner/engine.py).
  statement {
    sid       = "PublishScanStarted"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]
  }

  statement {
    sid       = "FailedLazyInvocationsToDestination"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter["bot"].arn]
  }

  statement {
    sid       = "ReadSlackCredentials"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.slack.arn]
  }
}

data "aws_iam_policy_document" "notifier" {
  source_policy_documents = [data.aws_iam_policy_document.common["notifier"].json]

  # The scheduled sweep finds the requests due (an index Query) and expires each with its scan.
  statement {
    sid       = "FindDueApprovals"
    effect    = "Allow"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.approvals.arn}/index/pending_approvals"]
  }

  statement {
    sid    = "ExpireApprovals"
    effect = "Allow"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
    ]
    resources = [aws_dynamodb_table.approvals.arn]
  }

  statement {
    sid       = "ConsumeScanEvents"
    effect    = "Allow"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.events.arn]
  }

  statement {
    sid       = "ReadSlackCredentials"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.slack.arn]
  }

  # A delayed catch-up on its own queue: a throttled parent refresh.
  statement {
    sid       = "ScheduleOwnCatchUps"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]
  }

  # The worker writes reports/<scan>/ before scan.finished names its files: the notifier reads the
  # summary and diff to render and the CSV and OCSF to attach (bot/notifier.py).
  statement {
    sid       = "ReadReportsToRenderAndAttach"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.results.arn}/reports/*"]
  }

  # A report file not written (yet) must read as NoSuchKey, not AccessDenied (bot/notifier.py).
  statement {
    sid       = "TellMissingReportsFromDenied"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.results.arn]
  }
}

data "aws_iam_policy_document" "worker" {
  source_policy_documents = [
    data.aws_iam_policy_document.common["worker"].json,
    data.aws_iam_policy_document.start_scans.json,
  ]

  # Dispatch reads a scan's approval before it enters an account (scanner/handlers.py); it may not
  # write one.
  statement {
    sid       = "ReadApprovals"
    effect    = "Allow"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.approvals.arn]
  }

  statement {
    sid       = "EnterMemberAccountsOfTheOrganization"
    effect    = "Allow"
    actions   = ["sts:AssumeRole", "sts:SetSourceIdentity"]
    resources = local.member_role_arns
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceOrgID"
      values   = [var.organization_id]
    }
  }

  # The worker signs the hosts' URLs with its own credentials: what it may do is all a URL can do.
  statement {
    sid       = "PresignBundleDownloads"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.results.arn}/bundles/*"]
  }

  statement {
    sid       = "PresignResultUploads"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.results.arn}/results/*"]
  }

  statement {
    sid       = "ConsumeJobs"
    effect    = "Allow"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.jobs.arn]
  }

  statement {
    sid       = "EnqueueFollowUpJobsAndEmitEvents"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.jobs.arn, aws_sqs_queue.events.arn]
  }

  # Finalize writes reports/<scan>/ (scanner/report/publish.py) from the analyzer's host summaries
  # and findings of the scan, and the previous scan's summaries for the diff: it lists and reads
  # findings/, and writes the report's files (the two findings files as multipart uploads).
  statement {
    sid       = "ListFindingsForReports"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.results.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["findings/*"]
    }
  }

  statement {
    sid       = "ReadFindingsForReports"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.results.arn}/findings/*"]
  }

  statement {
    sid       = "PublishScanReports"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${aws_s3_bucket.results.arn}/reports/*"]
  }
}

data "aws_iam_policy_document" "analyzer" {
  source_policy_documents = [data.aws_iam_policy_document.common["analyzer"].json]

  statement {
    sid       = "ReadResultTars"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${aws_s3_bucket.results.arn}/results/*"]
  }

  # A result deleted before analysis must read as 404 (nothing to do), not 403 (retry): S3 answers
  # 404 only to callers allowed to list the bucket.
  statement {
    sid       = "TellMissingResultsFromDenied"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.results.arn]
  }

  # findings/<scan>/<account>/<instance>.ocsf.jsonl, .csv and .summary.json; stale findings are
  # removed when a re-uploaded result turns out invalid. The worker builds reports from them.
  statement {
    sid       = "WriteFindings"
    effect    = "Allow"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.results.arn}/findings/*"]
  }

  statement {
    sid       = "EmitScanEventsAndFailures"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn, aws_sqs_queue.dead_letter["analyzer"].arn]
  }
}

locals {
  function_policies = {
    bot      = data.aws_iam_policy_document.bot.json
    notifier = data.aws_iam_policy_document.notifier.json
    worker   = data.aws_iam_policy_document.worker.json
    analyzer = data.aws_iam_policy_document.analyzer.json
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.function_names

  name   = "${each.value}-least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = local.function_policies[each.key]
}
