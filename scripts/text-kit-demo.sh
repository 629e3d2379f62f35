#!/usr/bin/env bash
# The text kit round trip, end to end with the real tools: drkit makes a 3-of-5 kit from an example bundle,
# a custodian verifies a share, then a restorer with three shares uses only the printed combiner (python3) and
# plain gpg to open the envelope, and drkit recover does the same in one step.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
drkit="node $root/dist/src/cli.js"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
# headings in bold only on a terminal that shows it, and never with NO_COLOR set (https://no-color.org)
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
say() { printf '\n%s%s%s\n' "$bold" "$*" "$plain"; }

say "1. the owner creates a kit: 5 custodians, any 3 open it"
$drkit kit create --format text --no-check --bundle "$root/fixtures/examples/bundle-b2.json" \
  --custodians "Ann,Ben,Cy,Dee,Eve" --threshold 3 --out "$work/kit"

say "2. custodian Ben checks his share"
$drkit kit verify "$work/kit/share-2.txt"

say "3. after the fire: a restorer with shares 1, 3 and 5 and only python3 and gpg"
mkdir -m 700 "$work/restore"; cd "$work/restore"
cp "$root/templates/recover/combine.py" "$work/kit/envelope.txt" "$work/kit/share-1.txt" "$work/kit/share-3.txt" "$work/kit/share-5.txt" .
mkdir -m 700 "$work/gnupg"
python3 combine.py envelope.txt share-1.txt share-3.txt share-5.txt > passphrase.txt
gpg --batch --quiet --pinentry-mode loopback --passphrase-file passphrase.txt --homedir "$work/gnupg" -d kit.gpg > bundle.env
echo "gpg decrypted the envelope; bundle.env holds (secrets masked here):"
sed -E 's/^(RESTIC_PASSWORD|AWS_SECRET_ACCESS_KEY)=.*/\1=********/' bundle.env
set -a; . ./bundle.env; set +a
echo "restic would now use RESTIC_REPOSITORY=$RESTIC_REPOSITORY"

say "4. the same with drkit recover"
$drkit recover --from "$work/kit/share-2.txt" --from "$work/kit/share-4.txt" --from "$work/kit/share-5.txt" \
  --envelope "$work/kit/envelope.txt" --out "$work/restore/bundle.json"

say "text kit round trip: OK"
