#!/usr/bin/env bash
# Installs the Debian packages the suite needs that are not on the machine yet.
# Usage: scripts/install-deps.sh [--check] [GROUP...]
#   GROUP: run     what run-all.sh needs: chromium (report.html -> report.pdf), wrk, lighttpd and iproute2 (io-webserver)
#          test    run + poppler-utils (pdfinfo/pdftotext/pdftoppm for the PDF tests)
#          all     every group (the default)
#   --check  install nothing; exit 0 if everything is there, 1 (printing the apt-get command) if not.
#            REPRO_NO_INSTALL=1 in the environment has the same effect (e.g. on a machine whose packages you manage).
# As root it runs `apt-get update` once (only if something is missing) and installs quietly.
# As another user it prints the exact command to run and exits 1.
# To add a dependency: add a "group:command:package" line to NEEDS below.
set -euo pipefail

NEEDS=(
  "run:chromium:chromium"
  "run:wrk:wrk"
  "run:lighttpd:lighttpd"
  "run:ip:iproute2"
  "test:chromium:chromium"
  "test:pdfinfo:poppler-utils"
  "test:pdftoppm:poppler-utils"
  "test:pdftotext:poppler-utils"
  "test:wrk:wrk"
  "test:lighttpd:lighttpd"
  "test:ip:iproute2"
)

check_only=0
groups=()
for a in "$@"; do
  case "$a" in
    --check) check_only=1 ;;
    run|test|all) groups+=("$a") ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$a' (allowed: --check, run, test, all)" >&2; exit 2 ;;
  esac
done
[ ${#groups[@]} -eq 0 ] && groups=(all)
[ "${REPRO_NO_INSTALL:-0}" = 1 ] && check_only=1

missing=()
for need in "${NEEDS[@]}"; do
  IFS=: read -r group cmd pkg <<<"$need"
  wanted=0
  for g in "${groups[@]}"; do [ "$g" = all ] || [ "$g" = "$group" ] && wanted=1; done
  [ $wanted -eq 1 ] || continue
  # lighttpd (and ip on some systems) live in /usr/sbin, which is not on a normal user's PATH on Debian
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] && continue
  case " ${missing[*]:-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ $check_only -eq 1 ]; then
  echo "missing Debian packages: ${missing[*]}; install with: sudo sh -c '$install_cmd'" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "run as root:  sudo sh -c '$install_cmd'" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing packages ${missing[*]} and no apt-get on this machine: install them with your package manager" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for pkg in "${missing[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || { echo "install-deps.sh: $pkg did not install" >&2; exit 1; }
done
echo "installed: ${missing[*]}" >&2
