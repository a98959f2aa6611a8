# shellcheck shell=sh
# NFS: the server's enablement and its exports, read as exportfs reads them.
#
# cce_nfs_server_enabled   0 when an NFS server is enabled (or nfsd/rpc.mountd runs, live);
#                          CCE_SVC_WHY says where
# cce_nfs_export_files     prints the root-relative export files that exist: /etc/exports and
#                          /etc/exports.d/*.exports
# cce_nfs_exports          prints one line per (export, client):
#                          "file:line<TAB>path<TAB>client<TAB>options"; continuation lines joined,
#                          "#" comments dropped, quoted paths kept, "-opts" defaults applied, a
#                          client written as "(opts)" or a path with no client at all is the world
#                          and printed as "*"; returns 1 when an export file cannot be read
# cce_nfs_client_is_world CLIENT   0 for "*", 0.0.0.0/0, ::/0 and the like

cce_nfs_server_enabled() {
    cce_service_enabled -p nfsd -p rpc.mountd nfs-server.service nfs-kernel-server.service \
        nfs.service nfs-mountd.service sysv:nfs-kernel-server sysv:nfs
}

cce_nfs_export_files() {
    _nx_r=$(cce_path /)
    _nx_r=${_nx_r%/}
    { [ -f "$_nx_r/etc/exports" ] || [ -L "$_nx_r/etc/exports" ]; } && echo /etc/exports
    for _nx_f in "$_nx_r"/etc/exports.d/*.exports; do
        [ -f "$_nx_f" ] && printf '%s\n' "${_nx_f#"$_nx_r"}"
    done
    return 0
}

cce_nfs_exports() {
    for _ne_f in $(cce_nfs_export_files); do
        _ne_txt=$(cce_read "$_ne_f") || return 1
        printf '%s\n' "$_ne_txt" | awk -v f="$_ne_f" '
            function emit(client, opts) {
                if (client == "") client = "*"
                if (opts == "") opts = dflt
                else if (dflt != "") opts = dflt "," opts
                printf "%s:%d\t%s\t%s\t%s\n", f, start, path, client, opts
            }
            {
                line = $0; sub(/\r$/, "", line)
                if (cont == "") start = NR
                if (line ~ /\\$/) { cont = cont substr(line, 1, length(line) - 1) " "; next }
                line = cont line; cont = ""
                sub(/#.*/, "", line)
                if (line ~ /^[ \t]*$/) next
                sub(/^[ \t]+/, "", line)
                if (line ~ /^"/) { path = substr(line, 2); q = index(path, "\""); rest = substr(path, q + 1); path = substr(path, 1, q - 1) }
                else { path = line; sub(/[ \t].*$/, "", path); rest = substr(line, length(path) + 1) }
                dflt = ""; n = 0
                while (rest != "") {
                    sub(/^[ \t]+/, "", rest)
                    if (rest == "") break
                    tok = rest; sub(/[ \t].*$/, "", tok)
                    if (tok ~ /^\(/ || tok ~ /^[^(]*\(/) {
                        # client(opts) may hold no blanks; take up to the closing parenthesis
                        p = index(rest, ")"); if (p == 0) p = length(rest)
                        tok = substr(rest, 1, p)
                    }
                    rest = substr(rest, length(tok) + 1)
                    if (tok ~ /^-/ && n == 0) { dflt = substr(tok, 2); continue }
                    n++
                    c = tok; o = ""
                    if (index(tok, "(")) { c = substr(tok, 1, index(tok, "(") - 1); o = substr(tok, index(tok, "(") + 1); sub(/\)$/, "", o) }
                    emit(c, o)
                }
                if (n == 0) emit("", "")
            }'
    done
}

cce_nfs_client_is_world() {
    case $1 in
        '*' | 0.0.0.0/0 | 0.0.0.0/0.0.0.0 | ::/0 | '*.*' | 0/0) return 0 ;;
    esac
    return 1
}
