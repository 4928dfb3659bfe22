/**
 * The registry self-demo behind `pnpm start` (until the peer node lands): a two-agency governance,
 * an accredited health-insurance issuer, a credential verified, revoked, verified again, and the
 * registry restarted from its LevelDB directory under ./.trustmesh/ with the same answer.
 * Everything is real: keys, Data Integrity signatures, Bitstring Status Lists, LevelDB on disk.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createSampleNetwork,
  EXAMPLES_CONTEXT_V1_URL,
  issueStatusList,
  LevelRecordStore,
  Registry,
  signCredential,
  type VerificationResult,
  verifyCredential,
  writeStatus,
} from '@trustmesh/registry';

const dataDir = resolve(process.env.TRUSTMESH_HOME ?? '.trustmesh', 'registry-demo');
const say = (line: string) => process.stdout.write(`${line}\n`);

function report(title: string, result: VerificationResult): void {
  say(`\n${title}: ${result.verified ? 'VERIFIED' : 'NOT VERIFIED'}`);
  for (const check of result.checks) {
    say(
      `  ${check.outcome === 'pass' ? '✓' : check.outcome === 'fail' ? '✗' : '?'} ${check.check.padEnd(8)} ${check.code ? `[${check.code}] ` : ''}${check.message}`,
    );
  }
  const lists = result.asOf.statusLists.map((l) => `${l.id} @ ${l.validFrom}`).join(', ');
  say(`  as of governance v${result.asOf.governanceVersion}; lists read: ${lists || 'none'}`);
}

async function main(): Promise<void> {
  // A fresh demo directory each run: the demo creates its own network with new keys.
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const open = (net: { networkId: string; genesisDigest: string }) =>
    Registry.open(
      { networkId: net.networkId, genesisDigest: net.genesisDigest },
      { store: new LevelRecordStore({ location: join(dataDir, 'db') }), now: Date.now },
    );

  say('trustmesh registry demo');
  say(`LevelDB data: ${dataDir}`);
  const net = await createSampleNetwork({ now: new Date(Date.now() - 60_000) });
  say(`\n1. Digital Agency (JP) and Ministry of Digital Affairs (TW) sign genesis governance (threshold 2 of 2)`);
  say(`   network ${net.networkId}, genesis ${net.genesisDigest.slice(0, 16)}…`);
  let registry = await open(net);
  for (const record of net.records) {
    const outcome = await registry.submit(record);
    if (outcome.status !== 'accept') throw new Error(`demo record refused: ${outcome.error.message}`);
  }
  say('2. Each agency accredits a health insurer in its own jurisdiction; every issuer publishes a status list');
  say(
    `   held: governance v1, ${registry.accreditations().length} accreditations, ${registry.statusListIds().length} status lists`,
  );

  const insurer = net.keys.jpHealthInsurer;
  const credential = await signCredential(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      issuer: insurer.did,
      validFrom: new Date().toISOString(),
      credentialSubject: { id: 'did:example:holder', insuredNumber: '0123-4567' },
      credentialStatus: {
        id: `${net.lists.jpHealthInsurer}#4242`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '4242',
        statusListCredential: net.lists.jpHealthInsurer,
      },
    },
    insurer,
    { documentLoader: net.documentLoader },
  );
  say('3. The JP insurer issues a health insurance credential to a holder');
  const verify = () =>
    verifyCredential(credential, { view: registry, documentLoader: registry.documentLoader, now: Date.now() });
  report('4. A pharmacy verifies it against its local replica', await verify());

  const bits = new Uint8Array(registry.statusList(net.lists.jpHealthInsurer)!.list.bits);
  writeStatus(bits, 4242, 1, 1);
  const revoked = await issueStatusList(
    { issuer: insurer, id: net.lists.jpHealthInsurer, statusPurpose: 'revocation', bits, validFrom: new Date() },
    net.documentLoader,
  );
  const outcome = await registry.submit(revoked);
  say(`\n5. The holder's phone is lost: the insurer revokes (new list version ${outcome.status}ed)`);
  report('6. The pharmacy verifies again', await verify());

  const rollback = await issueStatusList(
    {
      issuer: insurer,
      id: net.lists.jpHealthInsurer,
      statusPurpose: 'revocation',
      bits: new Uint8Array(bits.length),
      validFrom: new Date(Date.now() + 1),
    },
    net.documentLoader,
  );
  const refused = await registry.submit(rollback);
  say(
    `\n7. A version that would un-revoke it is refused: ${refused.status} ${refused.status === 'accept' ? '' : refused.error.code}`,
  );

  await registry.close();
  registry = await open(net);
  report('8. Restarted from LevelDB, the replica still answers', await verify());
  await registry.close();
  say('\nNext: `npx -y pnpm@10 test` runs the test suite; docs/verifiers.md shows the library API.');
}

await main();
