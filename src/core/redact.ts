/**
 * The one redaction rule of drkit: what a repository, a URL or a message may show of its secrets (nothing).
 * Everything that prints, records or renders a repository calls `redactRepository`; everything that passes on a
 * program's words or an error message calls `redactText`.
 *
 * Rules, as restic reads its repository locations:
 * - a URL's password (`scheme://user:PASSWORD@host/…`, in `rest:`, `s3:`, `swift:` and any other URL form) becomes
 *   `…`; the user name stays, so the owner can tell accounts apart. restic parses URLs with Go's net/url, which
 *   ends the authority at the first `/`, `?` or `#` and splits the user info at the LAST `@` before it: in
 *   `rest:http://ann:Url@Pass@127.0.0.1:18999/` the password is `Url@Pass`, and all of it is hidden;
 * - a user info without a `:` (`sftp://ann@nas/…`, `sftp:ann@nas:/srv`) holds no password and stays;
 * - `b2:bucket:path`, `azure:`, `gs:`, local paths hold none (their keys travel in the environment);
 * - an rclone connection string (`rclone::sftp,host=nas,pass=…:path`, `rclone:remote,token=…:path`) hides the
 *   value of every parameter whose name says it is a secret (pass, password, secret, key, token, …);
 * - `redactText` also replaces each given secret value (4 characters or more: shorter ones would blank ordinary
 *   words and protect nothing).
 * Pure: no I/O.
 */

/** what stands for a hidden secret: an ellipsis, not asterisks (the templates read `**` as bold) */
export const REDACTED = '…';

/** Parameter names of rclone backends that hold a secret (pass, password, secret_access_key, account_key, token, …). */
const RCLONE_SECRET_PARAMETER = /pass|secret|key|token|credential|auth|sas_url|client_secret|bearer|signature/i;

/**
 * The URL user-info password in `text` from `start` (just after `scheme://`): returns the [begin, end) of the
 * password, or null when this authority holds none. `end` is where the authority ends for this text: a `/`, `?`,
 * `#`, or (in free text) whitespace or a quote.
 */
function passwordSpan(text: string, start: number, freeText: boolean): [number, number] | null {
  let end = start;
  while (end < text.length) {
    const char = text[end] ?? '';
    if (char === '/' || char === '?' || char === '#') break;
    if (freeText && /[\s"'<>`]/.test(char)) break;
    end += 1;
  }
  const authority = text.slice(start, end);
  const at = authority.lastIndexOf('@');
  if (at < 0) return null;
  const colon = authority.indexOf(':');
  if (colon < 0 || colon > at) return null;
  return [start + colon + 1, start + at];
}

/** Hides URL passwords in `text` (every `scheme://` in it). */
function redactUrlPasswords(text: string, freeText: boolean): string {
  const scheme = /[A-Za-z][A-Za-z0-9+.-]*:\/\//g;
  let out = '';
  let copied = 0;
  for (let match = scheme.exec(text); match !== null; match = scheme.exec(text)) {
    const start = match.index + match[0].length;
    if (start < copied) continue;
    const span = passwordSpan(text, start, freeText);
    if (span === null) continue;
    out += `${text.slice(copied, span[0])}${REDACTED}`;
    copied = span[1];
    scheme.lastIndex = span[1];
  }
  return out + text.slice(copied);
}

/** Hides the secret parameters of an rclone connection string (`name,key=value,…` before the path's `:`). */
function redactRcloneParameters(text: string): string {
  return text.replace(/([,:]\s*)([A-Za-z0-9_]+)=("[^"]*"|'[^']*'|[^,:\s]*)/g, (whole, lead: string, name: string, value: string) =>
    (RCLONE_SECRET_PARAMETER.test(name) && value !== '' ? `${lead}${name}=${REDACTED}` : whole));
}

/**
 * A repository location as it may be shown, stored or printed outside the envelope: its URL password and rclone
 * secrets replaced by `…`. A location without secrets comes back unchanged.
 */
export function redactRepository(repository: string): string {
  let shown = redactUrlPasswords(repository, false);
  if (/^rclone:/i.test(shown)) shown = redactRcloneParameters(shown);
  return shown;
}

/**
 * Free text (a program's stderr, an error message) with URL passwords, rclone secret parameters and each of
 * `secrets` replaced by `…`.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let shown = redactUrlPasswords(text, true);
  if (/rclone:/i.test(shown)) shown = redactRcloneParameters(shown);
  // the longest first, so a secret that contains another is hidden whole
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) shown = shown.split(secret).join(REDACTED);
  }
  return shown;
}

/** The passwords inside a repository location's URL, as written and percent-decoded (for `redactText`'s list). */
export function repositorySecrets(repository: string): string[] {
  const found: string[] = [];
  const scheme = /[A-Za-z][A-Za-z0-9+.-]*:\/\//g;
  for (let match = scheme.exec(repository); match !== null; match = scheme.exec(repository)) {
    const span = passwordSpan(repository, match.index + match[0].length, false);
    if (span === null) continue;
    const password = repository.slice(span[0], span[1]);
    found.push(password);
    try {
      const decoded = decodeURIComponent(password);
      if (decoded !== password) found.push(decoded);
    } catch {
      // not percent-encoded text: the raw form is enough
    }
  }
  return found;
}
