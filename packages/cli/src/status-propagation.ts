/**
 * `revoke|suspend|reinstate --wait-on URL` (issue 15, item 7): the issuer's node answers once the new
 * list version is stored and gossiped, and another node holds it a few milliseconds later — so a
 * verification pasted right after a revocation could still answer "verified". With `--wait-on`, the
 * command returns only when that node (a verifier's) answers the new value for every changed entry
 * (`GET /credentials/status`), or fails after the timeout.
 */
import { checkUrl } from './config.ts';
import { NodeClient } from './node-client.ts';
import { CliError, EXIT } from './output.ts';

/** An entry whose new value is awaited. */
export interface AwaitedEntry {
  statusPurpose: string;
  statusListCredential: string;
  statusListIndex: number;
  value: number;
}

/** How long `--wait-on` waits by default. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 25;

/**
 * Waits until the node at `url` answers `value` for each entry.
 * @returns The milliseconds it took.
 * @throws CliError `STATUS_NOT_PROPAGATED` (exit 1) after `timeoutMs`; `NODE_UNREACHABLE`.
 */
export async function waitForStatus(
  url: string,
  entries: readonly AwaitedEntry[],
  options: { timeoutMs?: number; now?: () => number } = {},
): Promise<number> {
  const now = options.now ?? Date.now;
  const client = new NodeClient({ baseUrl: checkUrl(url, '--wait-on'), token: null });
  const started = now();
  const deadline = started + (options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  let pending = [...entries];
  let last: unknown = null;
  for (;;) {
    const still: AwaitedEntry[] = [];
    for (const entry of pending) {
      // A Token Status List entry (an SD-JWT VC's) is read by its uri and idx (draft-ietf-oauth-status-list §6.2).
      const query =
        entry.statusPurpose === 'token-status'
          ? new URLSearchParams({ uri: entry.statusListCredential, idx: String(entry.statusListIndex) })
          : new URLSearchParams({
              statusListCredential: entry.statusListCredential,
              statusListIndex: String(entry.statusListIndex),
              statusPurpose: entry.statusPurpose,
            });
      const answer = await client.read(`/credentials/status?${query}`);
      last = answer?.value;
      if (answer?.value !== entry.value) still.push(entry);
    }
    pending = still;
    if (pending.length === 0) return now() - started;
    if (now() > deadline) {
      const entry = pending[0] as AwaitedEntry;
      throw new CliError(
        'STATUS_NOT_PROPAGATED',
        `${url} still answers ${String(last)} for ${entry.statusPurpose} entry ${entry.statusListIndex} of ${entry.statusListCredential} after ${Math.round((now() - started) / 1000)} s (expected ${entry.value})`,
        {
          hint: `the change is published; check that node's peers (GET ${url}/peers) — it catches up by anti-entropy once connected`,
          exitCode: EXIT.NOT_VERIFIED,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
