/** The keyed fingerprint of a kit's credentials; why keyed, and what it covers: ./kit-record.ts. Pure. */
import { createHmac } from 'node:crypto';
import type { BundleInput } from './bundle.js';

export const KIT_FINGERPRINT_PREFIX = 'hmac-sha256:';

/** The fingerprint of the credentials in `bundle` under `key` (32 random bytes). */
export function kitFingerprint(bundle: Pick<BundleInput, 'repository' | 'resticPassword' | 'env' | 'repositoryId'>, key: Uint8Array): string {
  // canonical: fixed field order, env sorted by name, JSON so that no separator can be smuggled into a value
  const env = Object.keys(bundle.env).sort().map((name) => [name, bundle.env[name] ?? '']);
  const canonical = JSON.stringify(['drkit kit fingerprint 1', bundle.repository, bundle.resticPassword, env, bundle.repositoryId ?? null]);
  return KIT_FINGERPRINT_PREFIX + createHmac('sha256', key).update(canonical, 'utf8').digest('hex');
}
