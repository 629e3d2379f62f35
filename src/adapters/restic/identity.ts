/**
 * Is this still the repository `drkit init` recorded? Without a second key derivation when possible.
 *
 * The guarantee (docs/config.md, "The repository check"): a backup never writes into, and a forget never removes
 * from, a repository other than the one whose id was recorded at init. Two ways to know:
 * - the fingerprint: the SHA-256 of the repository's `config` file as stored, read without restic
 *   (./plain.ts: a file read for a local repository, `GET /config` for `rest:`). restic writes `config` once, at
 *   init, encrypted with the repository's own master key and a random IV, and it holds the repository id, so
 *   another repository (another `restic init`, a swapped disk, a URL now serving something else) has other bytes.
 *   The same bytes can only come from a copy of this very repository (which `restic cat config` could not tell
 *   apart either).
 * - restic itself: `restic cat config` decrypts it and prints the id (the old check, one repository open).
 * A matching fingerprint is accepted as is. Anything else (no fingerprint yet, different bytes, a backend that
 * cannot be read plainly: s3:, b2:, sftp:, …) falls back to `restic cat config`; a matching id then records the
 * fingerprint for the next run. So a changed `config` (e.g. `restic migrate upgrade_repo_v2`) costs one restic
 * call, never a refusal, and a mismatch is always decided by restic's own id.
 */
import type { Restic } from './index.js';
import { readKnownRepository, sha256Hex, updateKnownRepository } from './known.js';

export interface IdentityCheck {
  /** the repository's id: the expected one when the fingerprint matched, else what restic reported */
  id: string;
  /** how it was established */
  by: 'fingerprint' | 'restic';
}

/** The repository's id, established as cheaply as the guarantee allows (see the module comment). */
export async function confirmRepositoryId(restic: Restic, expectedId: string, knownFile: string | undefined): Promise<IdentityCheck> {
  const before = knownFile === undefined ? null : await restic.plainConfig();
  if (knownFile !== undefined && before !== null) {
    const recorded = readKnownRepository(knownFile).configSha256;
    if (recorded !== undefined && recorded === sha256Hex(before)) return { id: expectedId, by: 'fingerprint' };
  }
  const id = await restic.repositoryId();
  if (knownFile !== undefined && before !== null && id === expectedId) {
    // read again: only bytes seen on both sides of restic's own check are vouched for by its id
    const after = await restic.plainConfig();
    if (after !== null && after.equals(before)) rememberFingerprint(knownFile, after);
  }
  return { id, by: 'restic' };
}

/**
 * For `drkit init`, right after restic reported the id: records the fingerprint (when the backend can be read
 * plainly) and whether the repository holds no snapshot yet (init created it, or its snapshot folder is empty),
 * which lets the first backups skip forget (src/core/forget-due.ts).
 */
export async function rememberRepository(restic: Restic, knownFile: string, created: boolean): Promise<void> {
  const bytes = await restic.plainConfig();
  const empty = created || (await restic.plainSnapshotIds())?.length === 0;
  updateKnownRepository(knownFile, (record) => {
    if (bytes !== null) record.configSha256 = sha256Hex(bytes);
    if (empty) record.createdEmpty = true;
    else delete record.createdEmpty;
  });
}

function rememberFingerprint(knownFile: string, bytes: Buffer): void {
  updateKnownRepository(knownFile, (record) => { record.configSha256 = sha256Hex(bytes); });
}
