#!/usr/bin/env bash
# Installs the Debian packages drkit drives, when any is missing. Needs root (or sudo) and apt-get.
# With --with-restic-0.18 (CI and the test suite) it also unpacks Debian 13's restic 0.18 (a static binary that
# runs on Debian 12) into /opt/restic-0.18, beside the system's restic, so tests run against both versions a
# restorer's live USB may carry. It is never put on PATH.
set -euo pipefail
with_018=0
for arg in "$@"; do
  case "$arg" in
    --with-restic-0.18) with_018=1 ;;
    *) echo "install-system-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
packages=(restic rsync gnupg python3 poppler-utils zbar-tools bubblewrap rclone openssh-server openssh-client openssl tmux cups cups-client)
commands=(restic rsync gpg python3 pdftotext zbarimg bwrap rclone sshd ssh openssl tmux cupsd lp)
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="__none__"; fi
fi
missing=()
for i in "${!commands[@]}"; do
  cmd=${commands[$i]}
  if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$cmd" ]; then missing+=("${packages[$i]}"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$sudo" = "__none__" ]; then
    echo "install-system-deps.sh: these Debian packages are missing: ${missing[*]}" >&2
    echo "hint: as root, run: apt-get update && apt-get install -y --no-install-recommends ${packages[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if [ "$with_018" = 1 ] && ! [ -x /opt/restic-0.18/usr/bin/restic ]; then
  # Debian 13 (trixie) is added to a private apt list only: the system's own sources are not touched.
  apt_dir=$(mktemp -d)
  trap 'rm -rf "$apt_dir"' EXIT
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" > "$apt_dir/sources.list"
  opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache::Archives=$apt_dir/archives" -o APT::Sandbox::User=root)
  if [ "$sudo" = "__none__" ]; then sudo=""; fi
  $sudo apt-get "${opts[@]}" update -qq
  (cd "$apt_dir" && $sudo apt-get "${opts[@]}" download restic >/dev/null)
  $sudo mkdir -p /opt/restic-0.18
  $sudo dpkg-deb -x "$apt_dir"/restic_*.deb /opt/restic-0.18
  /opt/restic-0.18/usr/bin/restic version
fi
