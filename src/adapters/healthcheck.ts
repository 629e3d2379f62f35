/**
 * Healthcheck pings (healthchecks.io style): a request to the job's start URL when it begins, and to its success or
 * fail URL when it ends, so a silent machine is noticed by someone else's server. A ping that fails never fails
 * the backup: it comes back as a note. The fail ping carries the error's code and message (never a secret) as its
 * body, which healthchecks.io shows in its log.
 */
import { redactText } from '../core/redact.js';

export interface PingResult {
  ok: boolean;
  /** why it did not go through, for a note */
  problem?: string;
}

/** POSTs `body` to `url`; one retry after a second on a network error or a 5xx. */
export async function ping(url: string, body = '', timeoutMs = 10_000): Promise<PingResult> {
  let problem = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'drkit' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      if (response.ok) return { ok: true };
      problem = `HTTP ${response.status}`;
      if (response.status < 500) break;
    } catch (error) {
      problem = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
  }
  return { ok: false, problem: `healthcheck ping to ${redactText(url)} failed: ${problem}` };
}
