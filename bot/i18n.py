"""Every sentence the bot says, in Korean and English. KISA codes and 양호/취약 stay as they are."""

from __future__ import annotations

from typing import Literal

__all__ = ["Locale", "t"]

Locale = Literal["ko", "en"]

_MESSAGES: dict[str, dict[str, str]] = {
    # usage problems (bot.commands.UsageError.problem)
    "no_accounts": {
        "ko": "점검할 계정, 별칭 또는 그룹을 하나 이상 입력하세요.",
        "en": "Name at least one account, alias or group.",
    },
    "malformed_account": {
        "ko": "`{subject}`은(는) 계정 이름이 아닙니다.",
        "en": "`{subject}` is not an account name.",
    },
    "no_hosts": {"ko": "점검할 호스트를 하나 이상 입력하세요.", "en": "Name at least one host."},
    "malformed_instance_id": {
        "ko": "`{subject}`은(는) 인스턴스 ID 형식이 아닙니다 (i- 뒤에 16진수 8자리 또는 17자리).",
        "en": "`{subject}` is not an instance ID (i- followed by 8 or 17 hex digits).",
    },
    "malformed_host": {
        "ko": "`{subject}`은(는) 인스턴스 ID, Name 태그, 사설 IP 중 어느 것도 아닙니다.",
        "en": "`{subject}` is not an instance ID, a Name tag or a private IP.",
    },
    "status_arguments": {
        "ko": "status에는 점검 ID를 하나까지 줄 수 있습니다.",
        "en": "status takes at most one scan ID.",
    },
    "cancel_arguments": {"ko": "cancel에는 점검 ID 하나가 필요합니다.", "en": "cancel takes one scan ID."},
    "unknown_command": {"ko": "알 수 없는 명령 `{subject}`입니다.", "en": "Unknown command `{subject}`."},
    "too_many_targets": {
        "ko": "한 번에 {subject}개까지 지정할 수 있습니다.",
        "en": "At most {subject} targets at once.",
    },
    "unknown_target": {
        "ko": "`{subject}`은(는) 설정에 없는 계정·그룹입니다.",
        "en": "`{subject}` is not an account or group in the configuration.",
    },
    "did_you_mean": {"ko": "혹시 이것인가요? {names}", "en": "Did you mean {names}?"},
    "known_targets": {
        "ko": "설정된 계정·그룹 {n}개: {names}",
        "en": "{n} accounts and groups are configured: {names}",
    },
    "example": {"ko": "예: `{example}`", "en": "Example: `{example}`"},
    # help
    "help_title": {"ko": "KISA CCE 취약점 점검 (cce-scan)", "en": "KISA CCE configuration scan (cce-scan)"},
    "help_body": {
        "ko": (
            "*사용법*\n"
            "• `/cce-scan account 계정|그룹 …` — 계정의 모든 관리형 Linux 호스트 점검 (예: `/cce-scan account prod`)\n"
            "• `/cce-scan host 인스턴스ID|Name|IP …` — 지정한 호스트만 점검 (예: `/cce-scan host i-0123456789abcdef0`)\n"
            "• `/cce-scan status [점검ID]` — 진행 중이거나 최근 점검의 상태\n"
            "• `/cce-scan cancel 점검ID` — 점검 취소\n"
            "• `/cce-scan` — 대상 선택 창 열기\n"
            "운영(승인 필요) 계정은 요청자가 아닌 승인자의 승인 후 시작됩니다."
        ),
        "en": (
            "*Usage*\n"
            "• `/cce-scan account ACCOUNT|GROUP …` — every managed Linux host of the accounts "
            "(e.g. `/cce-scan account prod`)\n"
            "• `/cce-scan host INSTANCE-ID|NAME|IP …` — only these hosts (e.g. `/cce-scan host i-0123456789abcdef0`)\n"
            "• `/cce-scan status [SCAN-ID]` — the state of a running or recent scan\n"
            "• `/cce-scan cancel SCAN-ID` — cancel a scan\n"
            "• `/cce-scan` — open the target picker\n"
            "Accounts that require approval start only after an approver other than the requester approves."
        ),
    },
    "modal_failed": {
        "ko": "Slack이 점검 요청 창을 열지 못했습니다 ({error}). 잠시 후 다시 시도하거나 `/cce-scan account 계정` 형식으로 요청하세요. 점검은 만들어지지 않았습니다.",
        "en": "Slack could not open the scan request form ({error}). Try again in a moment, or type `/cce-scan account ACCOUNT`. No scan was created.",
    },
    "not_allowed_requester": {
        "ko": "죄송합니다. 점검 요청 권한이 없습니다. 보안팀에 요청 권한을 문의하세요.",
        "en": "Sorry, you are not allowed to request scans. Ask the security team for access.",
    },
    # the target picker (bot.render.modal)
    "modal_title": {"ko": "CCE 취약점 점검", "en": "CCE scan"},
    "modal_submit": {"ko": "점검 요청", "en": "Request scan"},
    "modal_close": {"ko": "취소", "en": "Cancel"},
    "modal_intro": {
        "ko": "점검할 계정·그룹을 고르거나, 호스트를 직접 입력하세요 (둘 중 하나).",
        "en": "Choose accounts or groups, or type hosts (one or the other).",
    },
    "modal_groups": {"ko": "그룹", "en": "Groups"},
    "modal_accounts": {"ko": "계정", "en": "Accounts"},
    "modal_accounts_label": {"ko": "계정 / 그룹", "en": "Accounts / groups"},
    "modal_accounts_placeholder": {"ko": "계정 또는 그룹 선택", "en": "Choose accounts or groups"},
    "modal_hosts_label": {"ko": "호스트", "en": "Hosts"},
    "modal_hosts_hint": {
        "ko": "인스턴스 ID, Name 태그 또는 사설 IP를 쉼표나 줄바꿈으로 구분",
        "en": "Instance IDs, Name tags or private IPs, separated by commas or lines",
    },
    "modal_one_kind": {
        "ko": "계정과 호스트를 함께 지정할 수 없습니다. 하나만 고르세요.",
        "en": "Choose accounts or hosts, not both.",
    },
    "modal_nothing_chosen": {
        "ko": "계정·그룹을 고르거나 호스트를 입력하세요.",
        "en": "Choose accounts or groups, or type hosts.",
    },
    # the thread parent and the approval message (bot.render.thread)
    "parent_title": {"ko": "KISA CCE 취약점 점검", "en": "KISA CCE configuration scan"},
    "parent_text": {
        "ko": "CCE 점검 {scan} — {state} ({targets})",
        "en": "CCE scan {scan} — {state} ({targets})",
    },
    "field_scan": {"ko": "점검 ID", "en": "Scan"},
    "field_state": {"ko": "상태", "en": "State"},
    "field_requester": {"ko": "요청자", "en": "Requested by"},
    "field_approver": {"ko": "승인자", "en": "Approved by"},
    "field_denied_by": {"ko": "거절한 사람", "en": "Denied by"},
    "field_expired_at": {"ko": "승인 요청 만료 시각", "en": "Approval request expired"},
    "field_targets": {"ko": "대상:", "en": "Targets:"},
    "none": {"ko": "—", "en": "—"},
    "state_awaiting_approval": {"ko": ":hourglass: 승인 대기", "en": ":hourglass: awaiting approval"},
    "state_denied": {"ko": ":no_entry: 거절됨", "en": ":no_entry: denied"},
    "state_expired": {"ko": ":alarm_clock: 승인 요청 만료", "en": ":alarm_clock: approval expired"},
    "state_queued": {"ko": ":inbox_tray: 대기 중", "en": ":inbox_tray: queued"},
    "state_running": {"ko": ":arrows_counterclockwise: 진행 중", "en": ":arrows_counterclockwise: running"},
    "state_cancelling": {"ko": ":octagonal_sign: 취소 중", "en": ":octagonal_sign: cancelling"},
    "state_finished": {"ko": ":white_check_mark: 완료", "en": ":white_check_mark: finished"},
    "state_cancelled": {"ko": ":octagonal_sign: 취소됨", "en": ":octagonal_sign: cancelled"},
    "progress_counts": {
        "ko": "성공 {succeeded} · 실패 {failed} · 건너뜀 {skipped} · 계정 {accounts_done}/{accounts_total}",
        "en": "succeeded {succeeded} · failed {failed} · skipped {skipped} · accounts {accounts_done}/{accounts_total}",
    },
    "hosts_about": {"ko": "약 {n}대", "en": "about {n} hosts"},
    "hosts_total": {"ko": "예상 호스트 수: {n}대", "en": "Estimated hosts: {n}"},
    "approval_request": {
        "ko": ":raised_hand: {requester}님이 승인이 필요한 계정의 점검 `{scan}`을 요청했습니다.",
        "en": ":raised_hand: {requester} asked for scan `{scan}` of accounts that require approval.",
    },
    "approve": {"ko": "승인", "en": "Approve"},
    "deny": {"ko": "거절", "en": "Deny"},
    "cancel": {"ko": "취소", "en": "Cancel"},
    "approve_confirm_title": {"ko": "점검 승인", "en": "Approve scan"},
    "approve_confirm_text": {
        "ko": "점검 {scan}을 승인하면 바로 시작됩니다.",
        "en": "Scan {scan} starts as soon as you approve it.",
    },
    "approval_expires": {"ko": "요청 만료: {at}", "en": "Request expires at {at}"},
    "approval_approved": {
        "ko": ":white_check_mark: {who} 승인",
        "en": ":white_check_mark: approved by {who}",
    },
    "approval_denied": {"ko": ":no_entry: {who} 거절", "en": ":no_entry: denied by {who}"},
    "approval_expired": {
        "ko": ":alarm_clock: 승인 요청이 만료되었습니다. 다시 요청하세요.",
        "en": ":alarm_clock: the approval request expired. Ask again.",
    },
    # lazy-listener answers
    "target_problem": {
        "ko": ":warning: 대상을 확인할 수 없습니다: {problem}",
        "en": ":warning: Cannot resolve the targets: {problem}",
    },
    "slack_failed": {
        "ko": ":warning: Slack이 응답하지 않아 점검 스레드를 만들지 못했습니다 ({error}). 점검 `{scan}`은(는) 취소되었습니다. 잠시 후 다시 요청하세요.",
        "en": ":warning: Slack did not answer, so the scan's thread could not be posted ({error}). Scan `{scan}` was cancelled. Ask again in a moment.",
    },
    "start_failed": {
        "ko": ":warning: 점검 `{scan}`을(를) 시작하지 못해 취소했습니다 ({error}). 잠시 후 다시 요청하세요.",
        "en": ":warning: Scan `{scan}` could not be started and was cancelled ({error}). Ask again in a moment.",
    },
    "request_failed": {
        "ko": ":warning: 요청을 처리하지 못했습니다 ({error}). 잠시 후 다시 시도하세요.",
        "en": ":warning: The request could not be handled ({error}). Try again in a moment.",
    },
    "cannot_post": {
        "ko": ":warning: <#{channel}> 채널에 글을 쓸 수 없습니다 ({error}). 봇을 채널에 초대한 뒤 다시 요청하세요.",
        "en": ":warning: Cannot post in <#{channel}> ({error}). Invite the bot to the channel and ask again.",
    },
    "scan_not_found": {"ko": "점검 `{scan}`을(를) 찾을 수 없습니다.", "en": "No scan `{scan}`."},
    "status_title": {"ko": "최근 CCE 점검", "en": "Recent CCE scans"},
    "status_none": {"ko": "아직 점검 기록이 없습니다.", "en": "No scans yet."},
    "not_allowed_cancel": {
        "ko": "요청자나 승인자만 점검을 취소할 수 있습니다.",
        "en": "Only the requester or an approver may cancel a scan.",
    },
    "cannot_cancel": {"ko": "취소할 수 없습니다: {reason}", "en": "Cannot cancel: {reason}"},
    "cancel_requested": {"ko": "점검 `{scan}` 취소를 요청했습니다.", "en": "Cancelling scan `{scan}`."},
    "self_approval": {
        "ko": "본인이 요청한 점검은 승인할 수 없습니다. 다른 승인자에게 요청하세요.",
        "en": "You cannot decide on your own request. Ask another approver.",
    },
    "not_allowed_approver": {
        "ko": "승인 권한이 없습니다. 지정된 승인자만 결정할 수 있습니다.",
        "en": "You are not an approver for cce-scan.",
    },
    "already_decided": {"ko": "이미 {who}님이 결정했습니다.", "en": "{who} has already decided."},
    "approval_scan_closed": {
        "ko": "점검 `{scan}`은(는) 더 이상 승인을 기다리지 않습니다 ({state}).",
        "en": "Scan `{scan}` no longer awaits approval ({state}).",
    },
    # the final report (bot.render.report)
    "report_title": {"ko": ":clipboard: 점검 결과", "en": ":clipboard: Scan report"},
    "report_title_cancelled": {"ko": ":octagonal_sign: 점검 취소", "en": ":octagonal_sign: Scan cancelled"},
    "report_text": {
        "ko": "CCE 점검 {scan} 완료: 대상 {total}대, 성공 {succeeded}, 실패 {failed}",
        "en": "CCE scan {scan} finished: {total} hosts, {succeeded} succeeded, {failed} failed",
    },
    "report_totals": {
        "ko": "*대상 {total}대* — 성공 {succeeded} · 실패 {failed} · 건너뜀 {skipped}",
        "en": "*{total} hosts* — succeeded {succeeded} · failed {failed} · skipped {skipped}",
    },
    "report_failed_hosts": {
        "ko": "실패·건너뛴 호스트 (사유별)",
        "en": "Hosts that failed or were skipped, by reason",
    },
    "more_groups": {
        "ko": "…그 밖의 사유 {groups}가지 ({hosts}대)",
        "en": "…{groups} more reasons ({hosts} hosts)",
    },
    "and_more": {"ko": " 외 {n}", "en": " and {n} more"},
    "report_accounts": {
        "ko": "계정별 양호율 (양호 ÷ (양호+취약))",
        "en": "Pass rate by account (GOOD ÷ (GOOD+VULNERABLE))",
    },
    "report_account": {
        "ko": "{account} {rate} · 취약 {vulnerable} · 호스트 {hosts}대",
        "en": "{account} {rate} · vulnerable {vulnerable} · {hosts} hosts",
    },
    "report_top_items": {"ko": "취약 호스트가 가장 많은 항목", "en": "Items failing on the most hosts"},
    "hosts_n": {"ko": "{n}대", "en": "{n} hosts"},
    "report_fix": {"ko": "조치", "en": "Fix"},
    "report_no_failures": {"ko": "취약 항목이 없습니다. :tada:", "en": "No item is vulnerable. :tada:"},
    "report_high": {
        "ko": "*위험도 상* 취약 {vulnerable}건 · 양호 {good}건",
        "en": "*High severity*: {vulnerable} vulnerable · {good} good",
    },
    "report_since_last": {"ko": "지난 점검 대비", "en": "Since the last scan"},
    "report_no_previous": {
        "ko": "같은 대상의 이전 점검이 없습니다.",
        "en": "No previous scan of these targets.",
    },
    "report_diff": {
        "ko": "이전 점검 `{previous}` 대비: 새 취약 {new} · 조치됨 {fixed} · 계속 취약 {unchanged}",
        "en": "Against `{previous}`: new failures {new} · fixed {fixed} · still failing {unchanged}",
    },
    "report_hosts_appeared": {
        "ko": ":heavy_plus_sign: 새로 결과가 나온 호스트 {n}대:",
        "en": ":heavy_plus_sign: {n} hosts with results for the first time:",
    },
    "report_hosts_disappeared": {
        "ko": ":heavy_minus_sign: 지난 점검엔 결과가 있었으나 이번엔 없는 호스트 {n}대:",
        "en": ":heavy_minus_sign: {n} hosts had results last time but none now:",
    },
    "report_no_change": {
        "ko": "새로 취약하거나 조치된 항목, 새로 나타나거나 사라진 호스트가 없습니다.",
        "en": "No item newly failing or fixed, no host appeared or disappeared.",
    },
    "report_not_covered": {
        "ko": ":mag: *점검하지 못한 실행 중 인스턴스 {n}대* — SSM이 관리하지 않습니다 (에이전트 또는 인스턴스 프로파일 없음)",
        "en": ":mag: *{n} running instances not covered* — SSM does not manage them (no agent, or no instance profile)",
    },
    "report_not_covered_account": {
        "ko": "{account} {n}대 (실행 중 {running}대 중):",
        "en": "{account}: {n} of {running} running:",
    },
    "report_not_covered_more": {
        "ko": "…그 밖의 계정 {accounts}개 ({n}대)",
        "en": "…{accounts} more accounts ({n} instances)",
    },
    "report_all_covered": {
        "ko": ":white_check_mark: 실행 중인 EC2 인스턴스 {running}대 모두 SSM이 관리합니다.",
        "en": ":white_check_mark: All {running} running EC2 instances are managed by SSM.",
    },
    "report_coverage_unchecked": {
        "ko": ":warning: 실행 중인 인스턴스를 확인하지 못해 점검 범위를 알 수 없는 계정: {accounts} (멤버 역할에 `ec2:DescribeInstanceStatus` 필요)",
        "en": ":warning: Coverage unknown, the running instances could not be listed: {accounts} (the member role needs `ec2:DescribeInstanceStatus`)",
    },
    # notifier replies (bot.notifier)
    "reply_account_unreachable": {
        "ko": ":warning: 계정 {account} ({id}, {region})에 들어갈 수 없어 점검하지 못했습니다: {reason}",
        "en": ":warning: Account {account} ({id}, {region}) could not be entered and was not scanned: {reason}",
    },
    "reply_failures": {
        "ko": ":rotating_light: 실패한 호스트가 {n}대가 되었습니다. 최근: {host} `{outcome}` {reason}",
        "en": ":rotating_light: {n} hosts have failed so far. Latest: {host} `{outcome}` {reason}",
    },
    "report_files": {
        "ko": "결과 파일: 이 스레드의 CSV·엑셀 점검표(xlsx)·OCSF 첨부, 그리고 `s3://{bucket}/{prefix}`",
        "en": "Files: the CSV, the audit workbook (xlsx) and the OCSF attachments in this thread, and `s3://{bucket}/{prefix}`",
    },
    "report_not_written": {
        "ko": ":warning: 보고서 파일을 쓰지 못해 첨부가 없습니다: {reason}",
        "en": ":warning: The report files could not be written, so nothing is attached: {reason}",
    },
    "report_not_analysed": {
        "ko": ":hourglass: *분석되지 않은 호스트 {n}대* — 점검은 성공했지만 보고서를 쓸 때까지 결과가 분석되지 않아 발견 사항에 빠졌습니다",
        "en": ":hourglass: *{n} hosts not analysed* — their checks succeeded, but their results were not analysed by the time the report was written, so they have no findings here",
    },
    "checking": {
        "ko": "요청 권한을 확인한 뒤 진행합니다: {targets}",
        "en": "Checking that you may ask, then going ahead: {targets}",
    },
    "accepted": {"ko": "요청을 접수했습니다: {targets}", "en": "Request received: {targets}"},
    # where the command may be used and where the report goes (slack.allowed_channels, report_channel)
    "channel_not_allowed": {
        "ko": ":no_entry: 이 채널에서는 `/cce-scan`을 쓸 수 없습니다. 허용된 채널에서 요청하세요: {channels}",
        "en": ":no_entry: `/cce-scan` cannot be used in this channel. Ask in one of: {channels}",
    },
    "report_thread": {
        "ko": "점검 {scan}의 보고서는 이 스레드에 올라갑니다: {link}",
        "en": "The report of scan {scan} goes to this thread: {link}",
    },
    "report_thread_no_link": {
        "ko": "점검 {scan}의 보고서는 <#{channel}> 채널의 스레드에 올라갑니다.",
        "en": "The report of scan {scan} goes to a thread in <#{channel}>.",
    },
}


def t(key: str, locale: Locale, **values: str) -> str:
    """The message ``key`` in ``locale`` with ``values`` filled in."""
    return _MESSAGES[key][locale].format(**values)
