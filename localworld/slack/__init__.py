"""A local Slack Web API server for tests and ``cce-scan local`` (127.0.0.1 only)."""

from localworld.slack.limits import BlockLimitError, check_message_blocks, check_view_blocks
from localworld.slack.ratelimit import RateLimiter, Tier
from localworld.slack.server import Message, RecordedCall, SlackApiServer

__all__ = [
    "BlockLimitError",
    "Message",
    "RateLimiter",
    "RecordedCall",
    "SlackApiServer",
    "Tier",
    "check_message_blocks",
    "check_view_blocks",
]
