"""Readers on settings the supported distributions ship: rsyslog's legacy continuation lines
(Debian 11's rsyslog.conf), pam_tally2 in the account phase only, and the parsing of `sshd -T`."""

from __future__ import annotations

from pathlib import Path

from tests.bundle.test_libs import call, write

DEBIAN11_CATCH_ALL = (
    "auth,authpriv.*\t\t\t/var/log/auth.log\n"
    "*.=info;*.=notice;*.=warn;\\\n"
    "\tauth,authpriv.none;\\\n"
    "\tcron,daemon.none;\\\n"
    "\tmail,news.none\t\t-/var/log/messages\n"
    "*.emerg\t\t\t\t:omusrmsg:*\n"
)


def test_rsyslog_rules_join_backslash_continued_selectors(tmp_path: Path) -> None:
    write(tmp_path, "/etc/rsyslog.conf", DEBIAN11_CATCH_ALL)
    rules = call(tmp_path, "cce_rsyslog_rules /etc/rsyslog.conf").splitlines()
    assert rules[1] == (
        "*.=info;*.=notice;*.=warn;auth,authpriv.none;cron,daemon.none;mail,news.none"
        "\t-/var/log/messages\t/etc/rsyslog.conf:2"
    )
    assert rules[2].endswith("/etc/rsyslog.conf:6")


def test_rsyslog_coverage_reads_the_whole_continued_selector(tmp_path: Path) -> None:
    write(tmp_path, "/etc/rsyslog.conf", DEBIAN11_CATCH_ALL)
    coverage = call(
        tmp_path, 'cce_rsyslog_coverage "$(cce_rsyslog_rules /etc/rsyslog.conf)" user cron auth kern'
    ).splitlines()
    assert coverage == ["user\tyes", "cron\tno", "auth\tyes", "kern\tyes"]


# `sshd -T` of OpenSSH 7.4 (Amazon Linux 2, RHEL 7) with no PermitRootLogin set: it prints the
# prohibit-password default under its old name; an excerpt in the order sshd prints it.
SSHD_T_OPENSSH_74 = """port 22
addressfamily any
listenaddress [::]:22
listenaddress 0.0.0.0:22
usepam yes
logingracetime 120
x11displayoffset 10
maxauthtries 6
maxsessions 10
clientaliveinterval 0
clientalivecountmax 3
streamlocalbindmask 0177
permitrootlogin without-password
ignorerhosts yes
ignoreuserknownhosts no
hostbasedauthentication no
hostbasedusesnamefrompacketonly no
pubkeyauthentication yes
kerberosauthentication no
gssapiauthentication yes
passwordauthentication no
kbdinteractiveauthentication no
challengeresponseauthentication no
printmotd yes
x11forwarding yes
permitemptypasswords no
permituserenvironment no
compression delayed
syslogfacility AUTHPRIV
loglevel INFO
banner none
authorizedkeysfile .ssh/authorized_keys
hostkey /etc/ssh/ssh_host_rsa_key
hostkey /etc/ssh/ssh_host_ecdsa_key
hostkey /etc/ssh/ssh_host_ed25519_key
acceptenv LANG
acceptenv LC_CTYPE
subsystem sftp /usr/libexec/openssh/sftp-server
maxstartups 10:30:100
permittunnel no
"""

# `sshd -T` of OpenSSH 8.9 (Ubuntu 22.04) listening on two ports with root login refused.
SSHD_T_OPENSSH_89 = """port 2222
port 22
addressfamily any
listenaddress [::]:2222
listenaddress [::]:22
listenaddress 0.0.0.0:2222
listenaddress 0.0.0.0:22
usepam yes
logingracetime 120
maxauthtries 4
permitrootlogin no
passwordauthentication no
kbdinteractiveauthentication no
x11forwarding yes
banner /etc/issue.net
subsystem sftp /usr/lib/openssh/sftp-server
authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2
"""


def t_value(tmp_path: Path, dump: str, keyword: str) -> str:
    write(tmp_path, "/sshd-T.txt", dump)
    return call(tmp_path, f'cce_sshd_t_value {keyword} < "$CCE_ROOT/sshd-T.txt" || echo "<absent>"')


def test_sshd_t_value_reports_the_old_name_of_prohibit_password(tmp_path: Path) -> None:
    assert t_value(tmp_path, SSHD_T_OPENSSH_74, "PermitRootLogin") == "without-password"
    assert t_value(tmp_path, SSHD_T_OPENSSH_74, "permitrootlogin") == "without-password"
    assert t_value(tmp_path, SSHD_T_OPENSSH_74, "MaxAuthTries") == "6"
    assert t_value(tmp_path, SSHD_T_OPENSSH_74, "SyslogFacility") == "AUTHPRIV"


def test_sshd_t_value_keeps_multi_word_values_and_the_first_of_repeated_keywords(tmp_path: Path) -> None:
    assert t_value(tmp_path, SSHD_T_OPENSSH_74, "Subsystem") == "sftp /usr/libexec/openssh/sftp-server"
    assert t_value(tmp_path, SSHD_T_OPENSSH_74, "HostKey") == "/etc/ssh/ssh_host_rsa_key"
    assert t_value(tmp_path, SSHD_T_OPENSSH_89, "Port") == "2222"
    assert t_value(tmp_path, SSHD_T_OPENSSH_89, "AuthorizedKeysFile") == (
        ".ssh/authorized_keys .ssh/authorized_keys2"
    )
    assert t_value(tmp_path, SSHD_T_OPENSSH_89, "PermitRootLogin") == "no"
    assert t_value(tmp_path, SSHD_T_OPENSSH_89, "Banner") == "/etc/issue.net"


def test_sshd_t_value_is_absent_for_keywords_sshd_did_not_print(tmp_path: Path) -> None:
    assert t_value(tmp_path, SSHD_T_OPENSSH_89, "Protocol") == "<absent>"
    assert t_value(tmp_path, "", "PermitRootLogin") == "<absent>"
    # a keyword that is only a prefix of a printed one is not that one
    assert t_value(tmp_path, SSHD_T_OPENSSH_89, "Permit") == "<absent>"
