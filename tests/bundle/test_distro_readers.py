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


UBUNTU_COMMON_AUTH = (
    "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
    "auth\trequisite\t\t\tpam_deny.so\n"
    "auth\trequired\t\t\tpam_permit.so\n"
)


def test_lockout_appended_after_the_requisite_deny_never_counts(tmp_path: Path) -> None:
    write(tmp_path, "/etc/pam.d/common-auth", UBUNTU_COMMON_AUTH + "auth required pam_tally2.so deny=5\n")
    assert call(tmp_path, "cce_pam_counts_failure common-auth pam_tally2.so || echo never") == "never"
    assert call(tmp_path, "cce_lockout_deny").startswith("none 0 common-auth has pam_tally2.so")


def test_lockout_before_the_password_module_counts(tmp_path: Path) -> None:
    write(tmp_path, "/etc/pam.d/common-auth", "auth required pam_tally2.so deny=5\n" + UBUNTU_COMMON_AUTH)
    assert call(tmp_path, "cce_lockout_deny").startswith("pam_tally2.so 5 ")


def test_faillock_authfail_after_an_ignored_failure_counts_and_jumps_are_followed(tmp_path: Path) -> None:
    write(
        tmp_path,
        "/etc/pam.d/common-auth",
        "auth requisite pam_faillock.so preauth\n"
        "auth [success=2 default=ignore] pam_unix.so nullok\n"
        "auth [default=die] pam_faillock.so authfail deny=4\n"
        "auth requisite pam_deny.so\n"
        "auth required pam_permit.so\n",
    )
    assert call(tmp_path, "cce_lockout_deny").startswith("pam_faillock.so 4 ")
    # a failure that jumps over the authfail rule is never recorded
    write(
        tmp_path,
        "/etc/pam.d/common-auth",
        "auth requisite pam_faillock.so preauth deny=4\n"
        "auth [success=2 default=1] pam_unix.so nullok\n"
        "auth [default=die] pam_faillock.so authfail deny=4\n"
        "auth requisite pam_deny.so\n"
        "auth required pam_permit.so\n",
    )
    assert call(tmp_path, "cce_lockout_deny").startswith("none 0 ")


def test_rhel_stack_with_required_deny_before_authfail_still_counts(tmp_path: Path) -> None:
    # RHEL's pam_deny is "required": the stack goes on, so an authfail rule after it still runs
    write(
        tmp_path,
        "/etc/pam.d/system-auth",
        "auth required pam_env.so\n"
        "auth required pam_faillock.so preauth silent\n"
        "auth [default=1 ignore=ignore success=ok] pam_usertype.so isregular\n"
        "auth sufficient pam_unix.so\n"
        "auth sufficient pam_sss.so forward_pass\n"
        "auth required pam_deny.so\n"
        "auth required pam_faillock.so authfail deny=6\n",
    )
    write(
        tmp_path,
        "/etc/pam.d/password-auth",
        "auth requisite pam_unix.so\nauth required pam_faillock.so authfail\n",
    )
    assert call(tmp_path, "cce_pam_counts_failure system-auth pam_faillock.so && echo counts") == "counts"
    # password-auth stops at the requisite pam_unix: the weakest stack decides
    assert call(tmp_path, "cce_lockout_deny").startswith("none 0 password-auth has pam_faillock.so")


def test_faillock_without_an_authfail_rule_records_nothing(tmp_path: Path) -> None:
    write(
        tmp_path,
        "/etc/pam.d/common-auth",
        "auth requisite pam_faillock.so preauth deny=3\n" + UBUNTU_COMMON_AUTH,
    )
    assert call(tmp_path, "cce_lockout_deny").startswith("none 0 ")


def test_directory_modules_answer_user_unknown_for_a_local_account(tmp_path: Path) -> None:
    # RHEL 8 authselect sssd profile with-smartcard and with-faillock: pam_sss dies on anything
    # but user_unknown, which a local account gets, so the authfail rule is still reached
    write(
        tmp_path,
        "/etc/pam.d/system-auth",
        "auth required pam_env.so\n"
        "auth required pam_faillock.so preauth silent\n"
        "auth [success=done authinfo_unavail=ignore user_unknown=ignore ignore=ignore default=die]"
        " pam_sss.so try_cert_auth\n"
        "auth sufficient pam_unix.so\n"
        "auth sufficient pam_sss.so forward_pass\n"
        "auth required pam_faillock.so authfail\n"
        "auth required pam_deny.so\n",
    )
    assert call(tmp_path, "cce_pam_counts_failure system-auth pam_faillock.so && echo counts") == "counts"
