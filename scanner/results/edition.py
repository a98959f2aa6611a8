"""The KISA 2026 Unix edition: the 67 items results are judged against (codes, titles, severities).

Source: the KISA 주요정보통신기반시설 기술적 취약점 분석·평가 상세가이드, 2026 edition, Unix chapter
(U-01…U-67, 상 40 / 중 18 / 하 9). Reports take titles and severities from here, never from a host.

The rows are generated from the item catalog (scanner/catalog/items.yaml) by
``python -m scanner.catalog.generate``: edit the catalog, not this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = ["EDITION", "ITEMS", "CatalogItem", "Severity", "Status"]

EDITION = "KISA-2026"


class Severity(StrEnum):
    """중요도: 상 high, 중 medium, 하 low."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Status(StrEnum):
    """What a check decided on a host (docs/design.md, "The result tar")."""

    GOOD = "GOOD"
    VULNERABLE = "VULNERABLE"
    MANUAL = "MANUAL"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One item of the edition."""

    code: str
    title_ko: str
    title_en: str
    severity: Severity
    category: str


_ROWS = (
    CatalogItem(
        "U-01",
        "root 계정 원격 접속 제한",
        "Restrict remote root login",
        Severity.HIGH,
        "account",
    ),
    CatalogItem(
        "U-02",
        "비밀번호 관리정책 설정",
        "Password management policy",
        Severity.HIGH,
        "account",
    ),
    CatalogItem(
        "U-03",
        "계정 잠금 임계값 설정",
        "Account lockout threshold",
        Severity.HIGH,
        "account",
    ),
    CatalogItem(
        "U-04",
        "비밀번호 파일 보호",
        "Protect password file",
        Severity.HIGH,
        "account",
    ),
    CatalogItem(
        "U-05",
        "root 이외의 UID가 ‘0’ 금지",
        "No UID 0 other than root",
        Severity.HIGH,
        "account",
    ),
    CatalogItem(
        "U-06",
        "사용자 계정 su 기능 제한",
        "Restrict su to a group",
        Severity.HIGH,
        "account",
    ),
    CatalogItem(
        "U-07",
        "불필요한 계정 제거",
        "Remove unnecessary accounts",
        Severity.LOW,
        "account",
    ),
    CatalogItem(
        "U-08",
        "관리자 그룹에 최소한의 계정 포함",
        "Minimal members in admin group",
        Severity.MEDIUM,
        "account",
    ),
    CatalogItem(
        "U-09",
        "계정이 존재하지 않는 GID 금지",
        "No unnecessary/empty groups",
        Severity.LOW,
        "account",
    ),
    CatalogItem(
        "U-10",
        "동일한 UID 금지",
        "No duplicate UIDs",
        Severity.MEDIUM,
        "account",
    ),
    CatalogItem(
        "U-11",
        "사용자 shell 점검",
        "Non-login shells for system accounts",
        Severity.LOW,
        "account",
    ),
    CatalogItem(
        "U-12",
        "세션 종료 시간 설정",
        "Session timeout",
        Severity.LOW,
        "account",
    ),
    CatalogItem(
        "U-13",
        "안전한 비밀번호 암호화 알고리즘 사용",
        "Secure password hashing algorithm",
        Severity.MEDIUM,
        "account",
    ),
    CatalogItem(
        "U-14",
        "root 홈, 패스 디렉터리 권한 및 패스 설정",
        "root home/PATH settings",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-15",
        "파일 및 디렉터리 소유자 설정",
        "No orphaned files/dirs",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-16",
        "/etc/passwd 파일 소유자 및 권한 설정",
        "/etc/passwd owner & mode",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-17",
        "시스템 시작 스크립트 권한 설정",
        "Startup script permissions",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-18",
        "/etc/shadow 파일 소유자 및 권한 설정",
        "/etc/shadow owner & mode",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-19",
        "/etc/hosts 파일 소유자 및 권한 설정",
        "/etc/hosts owner & mode",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-20",
        "/etc/(x)inetd.conf 파일 소유자 및 권한 설정",
        "/etc/(x)inetd.conf owner & mode",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-21",
        "/etc/(r)syslog.conf 파일 소유자 및 권한 설정",
        "/etc/(r)syslog.conf owner & mode",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-22",
        "/etc/services 파일 소유자 및 권한 설정",
        "/etc/services owner & mode",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-23",
        "SUID, SGID, Sticky bit 설정 파일 점검",
        "SUID/SGID/sticky files",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-24",
        "사용자, 시스템 환경변수 파일 소유자 및 권한 설정",
        "User/system env (dot) files",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-25",
        "world writable 파일 점검",
        "World-writable files",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-26",
        "/dev에 존재하지 않는 device 파일 점검",
        "Non-device files in /dev",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-27",
        "$HOME/.rhosts, hosts.equiv 사용 금지",
        "No .rhosts / hosts.equiv",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-28",
        "접속 IP 및 포트 제한",
        "Restrict access by IP/port",
        Severity.HIGH,
        "files",
    ),
    CatalogItem(
        "U-29",
        "hosts.lpd 파일 소유자 및 권한 설정",
        "hosts.lpd owner & mode",
        Severity.LOW,
        "files",
    ),
    CatalogItem(
        "U-30",
        "UMASK 설정 관리",
        "UMASK",
        Severity.MEDIUM,
        "files",
    ),
    CatalogItem(
        "U-31",
        "홈디렉토리 소유자 및 권한 설정",
        "Home dir owner & mode",
        Severity.MEDIUM,
        "files",
    ),
    CatalogItem(
        "U-32",
        "홈 디렉토리로 지정한 디렉토리의 존재 관리",
        "Home directories exist",
        Severity.MEDIUM,
        "files",
    ),
    CatalogItem(
        "U-33",
        "숨겨진 파일 및 디렉토리 검색 및 제거",
        "Hidden files & directories",
        Severity.LOW,
        "files",
    ),
    CatalogItem(
        "U-34",
        "Finger 서비스 비활성화",
        "Disable finger",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-35",
        "공유 서비스에 대한 익명 접근 제한 설정",
        "No anonymous access to shares",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-36",
        "r 계열 서비스 비활성화",
        "Disable r-services",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-37",
        "crontab 설정파일 권한 설정 미흡",
        "cron/at permissions",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-38",
        "DoS 공격에 취약한 서비스 비활성화",
        "Disable DoS-prone services",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-39",
        "불필요한 NFS 서비스 비활성화",
        "Disable unnecessary NFS",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-40",
        "NFS 접근 통제",
        "NFS access control",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-41",
        "불필요한 automountd 제거",
        "Remove automountd",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-42",
        "불필요한 RPC 서비스 비활성화",
        "Disable unnecessary RPC",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-43",
        "NIS, NIS+ 점검",
        "NIS/NIS+",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-44",
        "tftp, talk 서비스 비활성화",
        "Disable tftp/talk",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-45",
        "메일 서비스 버전 점검",
        "Mail service version",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-46",
        "일반 사용자의 메일 서비스 실행 방지",
        "Prevent user mail-queue run",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-47",
        "스팸 메일 릴레이 제한",
        "Restrict mail relay",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-48",
        "expn, vrfy 명령어 제한",
        "Restrict EXPN/VRFY",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-49",
        "DNS 보안 버전 패치",
        "DNS (BIND) patching",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-50",
        "DNS ZoneTransfer 설정",
        "DNS zone transfer",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-51",
        "DNS 서비스의 취약한 동적 업데이트 설정 금지",
        "No insecure DNS dynamic update",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-52",
        "Telnet 서비스 비활성화",
        "Disable Telnet",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-53",
        "FTP 서비스 정보 노출 제한",
        "Limit FTP banner info",
        Severity.LOW,
        "services",
    ),
    CatalogItem(
        "U-54",
        "암호화되지 않는 FTP 서비스 비활성화",
        "Disable unencrypted FTP",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-55",
        "FTP 계정 shell 제한",
        "Restrict ftp account shell",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-56",
        "FTP 서비스 접근 제어 설정",
        "FTP access control",
        Severity.LOW,
        "services",
    ),
    CatalogItem(
        "U-57",
        "Ftpusers 파일 설정",
        "ftpusers: block root",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-58",
        "불필요한 SNMP 서비스 구동 점검",
        "Unnecessary SNMP",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-59",
        "안전한 SNMP 버전 사용",
        "Secure SNMP version",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-60",
        "SNMP Community String 복잡성 설정",
        "SNMP community complexity",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-61",
        "SNMP Access Control 설정",
        "SNMP access control",
        Severity.HIGH,
        "services",
    ),
    CatalogItem(
        "U-62",
        "로그인 시 경고 메시지 설정",
        "Login warning banner",
        Severity.LOW,
        "services",
    ),
    CatalogItem(
        "U-63",
        "sudo 명령어 접근 관리",
        "sudoers permissions",
        Severity.MEDIUM,
        "services",
    ),
    CatalogItem(
        "U-64",
        "주기적 보안 패치 및 벤더 권고사항 적용",
        "Security patches & vendor advisories",
        Severity.HIGH,
        "patch",
    ),
    CatalogItem(
        "U-65",
        "NTP 및 시각 동기화 설정",
        "NTP / time sync",
        Severity.MEDIUM,
        "logging",
    ),
    CatalogItem(
        "U-66",
        "정책에 따른 시스템 로깅 설정",
        "System logging per policy",
        Severity.MEDIUM,
        "logging",
    ),
    CatalogItem(
        "U-67",
        "로그 디렉터리 소유자 및 권한 설정",
        "Log dir/file owner & mode",
        Severity.MEDIUM,
        "logging",
    ),
)

ITEMS: MappingProxyType[str, CatalogItem] = MappingProxyType({item.code: item for item in _ROWS})
