"""Every word the audit workbook (``report.xlsx``) shows, in Korean and English.

Korean is the default (the configuration's ``locale``); 양호/취약/N/A/수동 are the guide's own words
for an item's result. Item titles come from the catalog (``scanner.catalog``) in the same language.
"""

from __future__ import annotations

from typing import Literal

from scanner.outcomes import HostOutcome
from scanner.results import Severity, Status

__all__ = ["Locale", "outcome_word", "severity_word", "status_word", "word"]

Locale = Literal["ko", "en"]

_STATUS: dict[Status, dict[Locale, str]] = {
    Status.GOOD: {"ko": "양호", "en": "Good"},
    Status.VULNERABLE: {"ko": "취약", "en": "Vulnerable"},
    Status.NOT_APPLICABLE: {"ko": "N/A", "en": "N/A"},
    Status.MANUAL: {"ko": "수동", "en": "Manual"},
    Status.ERROR: {"ko": "오류", "en": "Error"},
}

_SEVERITY: dict[Severity, dict[Locale, str]] = {
    Severity.HIGH: {"ko": "상", "en": "High"},
    Severity.MEDIUM: {"ko": "중", "en": "Medium"},
    Severity.LOW: {"ko": "하", "en": "Low"},
}

_OUTCOME: dict[HostOutcome, dict[Locale, str]] = {
    HostOutcome.SUCCEEDED: {"ko": "점검 완료", "en": "Scanned"},
}

_WORDS: dict[str, dict[Locale, str]] = {
    # sheet names (a host's sheet is named after the host)
    "sheet_summary": {"ko": "요약", "en": "Summary"},
    "sheet_matrix": {"ko": "항목별 결과", "en": "Items by host"},
    # the summary sheet
    "title": {"ko": "KISA CCE Unix 서버 취약점 점검 결과", "en": "KISA CCE Unix server assessment"},
    "scan_id": {"ko": "점검 ID", "en": "Scan ID"},
    "standard": {"ko": "점검 기준", "en": "Standard"},
    "standard_value": {
        "ko": "주요정보통신기반시설 기술적 취약점 분석·평가 (KISA 2026) Unix 서버 U-01~U-67",
        "en": "KISA technical vulnerability assessment of critical infrastructure (2026), Unix servers U-01 to U-67",
    },
    "accounts": {"ko": "계정", "en": "Accounts"},
    "hosts": {"ko": "대상 호스트", "en": "Hosts targeted"},
    "hosts_with_results": {"ko": "결과가 있는 호스트", "en": "Hosts with results"},
    "not_covered": {
        "ko": "점검하지 못한 실행 중 인스턴스 (SSM 미관리)",
        "en": "Running instances not covered (not managed by SSM)",
    },
    "coverage_unchecked": {"ko": "실행 중 인스턴스를 확인하지 못한 계정", "en": "coverage unknown in"},
    "result": {"ko": "결과", "en": "Result"},
    "count": {"ko": "항목 수", "en": "Items"},
    "rate": {"ko": "양호율", "en": "Compliance rate"},
    "formula": {"ko": "계산식", "en": "Formula"},
    "formula_text": {
        "ko": "양호 ÷ (양호 + 취약) = {good} ÷ ({good} + {vulnerable}) = {rate}",
        "en": "Good ÷ (Good + Vulnerable) = {good} ÷ ({good} + {vulnerable}) = {rate}",
    },
    "formula_note": {
        "ko": "N/A, 수동, 오류 항목은 양호율 계산에서 제외됩니다.",
        "en": "N/A, Manual and Error items count neither way.",
    },
    "no_rate": {"ko": "-", "en": "-"},
    "by_account": {"ko": "계정별 결과", "en": "By account"},
    "account_id": {"ko": "계정 ID", "en": "Account ID"},
    "alias": {"ko": "별칭", "en": "Alias"},
    "succeeded": {"ko": "점검 완료 호스트", "en": "Hosts scanned"},
    "by_host": {"ko": "호스트별 결과", "en": "By host"},
    "sheet": {"ko": "시트", "en": "Sheet"},
    "instance_id": {"ko": "인스턴스 ID", "en": "Instance ID"},
    "name": {"ko": "이름 (Name 태그)", "en": "Name tag"},
    "hostname": {"ko": "호스트명", "en": "Host name"},
    "region": {"ko": "리전", "en": "Region"},
    "outcome": {"ko": "점검 상태", "en": "Outcome"},
    "outcome_reason": {"ko": "사유", "en": "Reason"},
    # the matrix and the host sheets
    "code": {"ko": "항목 코드", "en": "Code"},
    "item": {"ko": "점검 항목", "en": "Item"},
    "severity": {"ko": "중요도", "en": "Severity"},
    "status": {"ko": "결과", "en": "Result"},
    "reason": {"ko": "판단 사유", "en": "Reason"},
    "evidence": {"ko": "근거", "en": "Evidence"},
    "remediation": {"ko": "조치 방법", "en": "Remediation"},
    "host": {"ko": "호스트", "en": "Host"},
    "account": {"ko": "계정", "en": "Account"},
}


def word(key: str, locale: Locale, **values: object) -> str:
    """The workbook's word ``key`` in ``locale`` with ``values`` filled in."""
    return _WORDS[key][locale].format(**values)


def status_word(status: Status, locale: Locale) -> str:
    """양호/취약/N/A/수동/오류 (or their English)."""
    return _STATUS[status][locale]


def severity_word(severity: Severity, locale: Locale) -> str:
    """상/중/하 (or High/Medium/Low)."""
    return _SEVERITY[severity][locale]


def outcome_word(outcome: HostOutcome, locale: Locale) -> str:
    """A host's outcome: a word for a scanned host, the outcome's code for every other (as the
    Slack report shows them)."""
    return _OUTCOME.get(outcome, {}).get(locale, outcome.value)
