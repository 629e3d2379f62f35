#!/usr/bin/env bash
# Installs the Debian packages drkit drives, when any is missing. Needs root (or sudo) and apt-get.
set -euo pipefail
packages=(restic rsync gnupg python3 poppler-utils zbar-tools bubblewrap rclone openssh-server openssh-client openssl)
commands=(restic rsync gpg python3 pdftotext zbarimg bwrap rclone sshd ssh openssl)
missing=0
for i in "${!commands[@]}"; do
  cmd=${commands[$i]}
  if ! command -v "$cmd" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$cmd" ]; then missing=1; fi
done
if [ "$missing" = 0 ]; then exit 0; fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
