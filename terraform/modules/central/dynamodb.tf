# Scan state (scans, per-account and per-host progress, thread state, idempotency keys) and, in a
# table of their own, approvals: generic keys pk/sk, items expire through TTL. Approvals are apart
# so that IAM keeps every role but the bot's from writing one (iam.tf). No role may Scan either
# table: the reads that are not of one scan's items Query an index (described in scanner/table.py,
# which creates the same tables for the local world and the tests):
#   scans_by_created   the newest scans (keys only; the scans are then read by key)
#   scans_by_targets   earlier scans of the same targets, with their status (the report's diff)
#   pending_approvals  (approvals) sparse: requests while they await a decision, by expiry

resource "aws_dynamodb_table" "state" {
  name                        = "${var.name_prefix}-state"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "scans_pk"
    type = "S"
  }

  attribute {
    name = "created_sk"
    type = "S"
  }

  attribute {
    name = "targets_pk"
    type = "S"
  }

  global_secondary_index {
    name            = "scans_by_created"
    hash_key        = "scans_pk"
    range_key       = "created_sk"
    projection_type = "KEYS_ONLY"
  }

  global_secondary_index {
    name               = "scans_by_targets"
    hash_key           = "targets_pk"
    range_key          = "created_sk"
    projection_type    = "INCLUDE"
    non_key_attributes = ["status"]
  }

  ttl {
    attribute_name = var.table_ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  tags = var.tags
}

resource "aws_dynamodb_table" "approvals" {
  name                        = "${var.name_prefix}-approvals"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "pending_pk"
    type = "S"
  }

  attribute {
    name = "expires_at"
    type = "N"
  }

  global_secondary_index {
    name            = "pending_approvals"
    hash_key        = "pending_pk"
    range_key       = "expires_at"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = var.table_ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  tags = var.tags
}
