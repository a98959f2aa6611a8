# shellcheck shell=sh
# edition: KISA-2026
# code: U-34
# severity: high
# title_ko: Finger 서비스 비활성화
# title_en: Disable the finger service
# legacy: KISA-2021:U-19
# good: Finger 서비스가 비활성화된 경우
# vulnerable: Finger 서비스가 활성화된 경우
# rule: enabled = finger.socket or cfingerd/efingerd units linked in a *.wants directory, an xinetd
# rule: "service finger" stanza that is not disabled (xinetd enabled), an uncommented inetd.conf finger
# rule: line (inetd enabled), or, live, an in.fingerd/fingerd/cfingerd process. The finger client
# rule: package alone is not a service.

check_U_34() {
    cce_svc_judge_disabled 'finger service' -p in.fingerd -p fingerd -p cfingerd -p efingerd finger.socket finger@.service cfingerd.service efingerd.service xinetd:finger inetd:finger sysv:cfingerd
}
