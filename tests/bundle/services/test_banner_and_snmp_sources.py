"""U-62's SSH and DNS banners and U-61's listening addresses, on small roots built per test.

The guide's Linux example for U-62 sets an SSH Banner file and BIND's options "version"; U-61 reads
agentAddress as snmpd does: every line is appended to the earlier ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bundle.services.test_services_items import Root, check

WARNING = "WARNING: authorized use only; activity is monitored.\n"


@pytest.fixture
def root(tmp_path: Path) -> Root:
    return Root(tmp_path)


def server_banner(root: Root) -> None:
    root.file("/etc/issue", WARNING)
    root.file("/etc/issue.net", WARNING)


@pytest.mark.parametrize(
    ("config", "expected", "said"),
    [
        ("UsePAM yes\n", "VULNERABLE", "SSH enabled without a Banner (none from OpenSSH default)"),
        ("Banner none\n", "VULNERABLE", "SSH enabled without a Banner (none from /etc/ssh/sshd_config:1)"),
        (
            "Banner /etc/ssh/empty\n",
            "VULNERABLE",
            "SSH Banner /etc/ssh/empty (from /etc/ssh/sshd_config:1) holds no",
        ),
        ("Banner /etc/issue.net\n", "GOOD", ""),
        # a Banner only inside a Match block is not the one every client sees
        ("Match User backup\n  Banner /etc/issue.net\n", "VULNERABLE", "SSH enabled without a Banner"),
    ],
)
def test_u62_ssh_needs_a_banner_file_with_a_warning(
    root: Root, config: str, expected: str, said: str
) -> None:
    server_banner(root)
    root.unit("ssh.socket", wants="/etc/systemd/system/sockets.target.wants")
    root.file("/etc/ssh/sshd_config", config)
    root.file("/etc/ssh/empty", "Ubuntu 24.04 LTS\n")
    verdict = check(root, "U-62")
    assert verdict.status == expected, verdict.reason
    assert said in verdict.reason


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("", "VULNERABLE"),
        ('version "unauthorized access is prohibited";', "GOOD"),
        ("version none;", "GOOD"),
    ],
)
def test_u62_named_hides_its_version(root: Root, options: str, expected: str) -> None:
    server_banner(root)
    root.unit("named.service")
    root.file("/etc/named.conf", f'options {{\n\tdirectory "/var/named";\n\t{options}\n}};\n')
    verdict = check(root, "U-62")
    assert verdict.status == expected, verdict.reason
    if expected == "VULNERABLE":
        assert "named enabled without options version" in verdict.reason


def test_u61_every_agent_address_line_counts(root: Root) -> None:
    # an address off loopback added before Debian's default loopback line still opens the agent
    root.unit("snmpd.service")
    root.file(
        "/etc/snmp/snmpd.conf",
        "agentAddress udp:161\nagentaddress 127.0.0.1,[::1]\nrocommunity public default -V systemonly\n",
    )
    verdict = check(root, "U-61")
    assert verdict.status == "VULNERABLE", verdict.reason
    assert "agentAddress: udp:161,127.0.0.1,[::1]" in verdict.evidence
    # loopback only, Debian's default: only this host reaches the agent; the community's source is moot
    root.file(
        "/etc/snmp/snmpd.conf", "agentaddress 127.0.0.1,[::1]\nrocommunity public default -V systemonly\n"
    )
    verdict = check(root, "U-61")
    assert verdict.status == "GOOD", verdict.reason
