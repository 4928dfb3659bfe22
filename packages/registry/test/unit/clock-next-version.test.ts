/**
 * Issue 10, problem 3: the next version of a status list after a clock step. Versions are ordered
 * by validFrom (validation/status-list.ts), and a version dated more than the skew allowance ahead
 * is ignored by every node (STATUS_LIST_NOT_YET_VALID). So the next validFrom supersedes a held
 * version within the allowance (a lagging clock), but never builds on one beyond it — that froze an
 * issuer's revocations until real time caught up.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextValidFrom } from '../../src/authoring/records.ts';
import {
  createDocumentLoader,
  createStatusList,
  generateKeyPair,
  issueStatusList,
  nextStatusListVersion,
  parseStatusListCredential,
  readStatus,
} from '../../src/index.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const SKEW = 5 * 60_000;

describe('next status list version after a clock step', () => {
  it('supersedes a held version in the past or within the allowance, by 1 ms at least', () => {
    assert.equal(nextValidFrom(NOW - 60_000, { now: NOW, maxClockSkewMs: SKEW }), NOW);
    assert.equal(nextValidFrom(NOW + 60_000, { now: NOW, maxClockSkewMs: SKEW }), NOW + 60_001);
    assert.equal(nextValidFrom(NOW + SKEW, { now: NOW, maxClockSkewMs: SKEW }), NOW + SKEW + 1);
  });

  it('dates the version now when the held one lies beyond the allowance (a stepped-back clock)', () => {
    assert.equal(nextValidFrom(NOW + 2 * 3_600_000, { now: NOW, maxClockSkewMs: SKEW }), NOW);
    // The control: without an allowance the old rule (max(now, held + 1)) stands.
    assert.equal(nextValidFrom(NOW + 2 * 3_600_000, { now: NOW }), NOW + 2 * 3_600_000 + 1);
  });

  it('a merge is newer than the peer copy too, unless that copy lies beyond the allowance', () => {
    assert.equal(nextValidFrom(NOW - 10, { now: NOW, after: NOW + 1_000, maxClockSkewMs: SKEW }), NOW + 1_001);
    assert.equal(nextValidFrom(NOW + 3_600_000, { now: NOW, after: NOW - 5, maxClockSkewMs: SKEW }), NOW);
  });

  it('signs the re-dated version with the held bits and the change', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const documentLoader = createDocumentLoader({}, {});
    const bits = createStatusList(131_072);
    const held = parseStatusListCredential(
      await issueStatusList(
        {
          issuer,
          id: 'https://issuer.example/status/1',
          statusPurpose: 'revocation',
          bits,
          validFrom: new Date(NOW + 7_200_000),
        },
        documentLoader,
      ),
    );
    const next = await nextStatusListVersion(held, [{ index: 42, value: 1 }], issuer, {
      now: NOW,
      documentLoader,
      maxClockSkewMs: SKEW,
    });
    assert.ok(next.changed);
    assert.equal(next.validFrom, new Date(NOW).toISOString());
    const parsed = parseStatusListCredential(next.credential);
    assert.equal(readStatus(parsed.bits, 42, 1), 1);
    // `force` re-dates without a change; without it nothing changes.
    const same = await nextStatusListVersion(held, [], issuer, { now: NOW, documentLoader, maxClockSkewMs: SKEW });
    assert.equal(same.changed, false);
    const forced = await nextStatusListVersion(held, [], issuer, {
      now: NOW,
      documentLoader,
      maxClockSkewMs: SKEW,
      force: true,
    });
    assert.ok(forced.changed);
    assert.equal(forced.validFrom, new Date(NOW).toISOString());
  });
});
