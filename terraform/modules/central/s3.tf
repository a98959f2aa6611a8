# The results bucket (docs/design.md, "The results bucket"): bundles/<sha256>/script.tar,
# results/<scan>/<account>/<instance>.tar, findings/<scan>/<account>/<instance>.ocsf.jsonl (.csv,
# .summary.json), reports/<scan>/...
# Hosts never get S3 permissions: they use URLs the worker presigns (GET bundles/, PUT results/).

resource "aws_s3_bucket" "results" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is not needed: results are reproducible by scanning again and findings are exported to the SIEM.
  #checkov:skip=CKV_AWS_18:Server access logging is enabled by aws_s3_bucket_logging when access_log_bucket_name is set; the log bucket is the organisation's, not this module's.
  bucket = var.results_bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_ownership_controls" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "results" {
  bucket                  = aws_s3_bucket.results.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "results" {
  bucket = aws_s3_bucket.results.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "results" {
  bucket = aws_s3_bucket.results.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "results" {
  count         = var.access_log_bucket_name == null ? 0 : 1
  bucket        = aws_s3_bucket.results.id
  target_bucket = var.access_log_bucket_name
  target_prefix = "${var.results_bucket_name}/"
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  bucket = aws_s3_bucket.results.id

  rule {
    id     = "results"
    status = "Enabled"
    filter {
      prefix = "results/"
    }
    expiration {
      days = var.results_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "findings"
    status = "Enabled"
    filter {
      prefix = "findings/"
    }
    expiration {
      days = var.findings_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "reports"
    status = "Enabled"
    filter {
      prefix = "reports/"
    }
    expiration {
      days = var.findings_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "everything-else"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
    expiration {
      expired_object_delete_marker = true
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.results]
}

data "aws_iam_policy_document" "results_bucket" {
  statement {
    sid     = "DenyRequestsWithoutTls"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.results.arn, "${aws_s3_bucket.results.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid     = "DenyTlsOlderThan12"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.results.arn, "${aws_s3_bucket.results.arn}/*"]
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }

  statement {
    sid     = "DenyObjectAccessWithoutSigV4"
    effect  = "Deny"
    actions = ["s3:GetObject", "s3:PutObject"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = ["${aws_s3_bucket.results.arn}/*"]
    condition {
      test     = "StringNotEquals"
      variable = "s3:signatureversion"
      values   = ["AWS4-HMAC-SHA256"]
    }
  }
}

resource "aws_s3_bucket_policy" "results" {
  bucket = aws_s3_bucket.results.id
  policy = data.aws_iam_policy_document.results_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.results]
}

resource "aws_s3_bucket_notification" "results" {
  bucket = aws_s3_bucket.results.id

  lambda_function {
    id                  = "analyze-results"
    lambda_function_arn = aws_lambda_function.analyzer.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "results/"
    filter_suffix       = ".tar"
  }

  depends_on = [aws_lambda_permission.analyzer_from_s3]
}

# The check bundle of this deploy. Scans use the newest bundles/<sha256>/script.tar, so applying a
# new bundle switches scans over; older bundles stay until removed by hand.
resource "aws_s3_object" "bundle" {
  bucket       = aws_s3_bucket.results.id
  key          = "bundles/${filesha256(var.bundle_path)}/script.tar"
  source       = var.bundle_path
  source_hash  = filesha256(var.bundle_path)
  content_type = "application/x-tar"
  kms_key_id   = aws_kms_key.this.arn
  tags         = var.tags

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.results, aws_s3_bucket_policy.results]
}
