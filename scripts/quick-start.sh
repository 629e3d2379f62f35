#!/usr/bin/env bash
# The README's first command: installs what drkit drives (Debian packages, with apt-get as root, else sudo, else
# it prints the exact command to run), installs the npm dependencies from the lock file, builds, and runs
# `drkit demo`: two real backups, a 3-of-5 kit and a drill from the paper, on local stand-ins, in a throwaway folder.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'Number(process.versions.node.split(".")[0])')" -lt 20 ]; then
  echo "quick-start: drkit needs Node.js 20 or newer (node --version says: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm run build
node dist/src/cli.js demo "$@"
