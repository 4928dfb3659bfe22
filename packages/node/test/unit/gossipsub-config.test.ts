import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { validatePeerScoreParams, validatePeerScoreThresholds } from '@libp2p/gossipsub/score';
import {
  contentMessageId,
  decayFactor,
  messageIdToHex,
  RECORD_SCORE_THRESHOLDS,
  recordGossipsubInit,
  recordScoreParams,
} from '../../src/gossip/gossipsub-config.ts';
import { recordsTopic } from '../../src/network/protocols.ts';

const topic = recordsTopic('test');
const params = recordScoreParams(topic, { ipColocationWhitelist: [] });
const topicParams = params.topics[topic]!;

/** Topic score with the best positive standing (capped) and `invalid` invalid messages. */
function scoreWith(invalid: number): number {
  return params.topicScoreCap + topicParams.topicWeight * topicParams.invalidMessageDeliveriesWeight * invalid ** 2;
}

describe('gossipsub configuration', () => {
  it('passes gossipsub’s own parameter validation', () => {
    validatePeerScoreParams(params);
    validatePeerScoreThresholds(RECORD_SCORE_THRESHOLDS);
  });

  it('tolerates one invalid message, stops gossip at two, publishing at three, graylists at four', () => {
    const { gossipThreshold, publishThreshold, graylistThreshold } = RECORD_SCORE_THRESHOLDS;
    assert.ok(scoreWith(1) < 0 && scoreWith(1) > gossipThreshold);
    assert.ok(scoreWith(2) < gossipThreshold && scoreWith(2) > publishThreshold);
    assert.ok(scoreWith(3) < publishThreshold && scoreWith(3) > graylistThreshold);
    assert.ok(scoreWith(4) < graylistThreshold);
  });

  it('caps positive standing below the cost of one invalid message', () => {
    const maxPositive =
      topicParams.timeInMeshWeight * topicParams.timeInMeshCap +
      topicParams.firstMessageDeliveriesWeight * topicParams.firstMessageDeliveriesCap;
    assert.ok(maxPositive <= params.topicScoreCap);
    assert.ok(params.topicScoreCap < -topicParams.invalidMessageDeliveriesWeight);
  });

  it('converts half-lives to decay factors', () => {
    const factor = decayFactor(30 * 60_000);
    assert.ok(Math.abs(factor ** 1800 - 0.5) < 1e-9);
  });

  it('uses the content hash as message id and does not sign', () => {
    const data = new TextEncoder().encode('{"a":1}');
    const id = contentMessageId({ type: 'unsigned', topic, data });
    assert.equal(messageIdToHex(id), createHash('sha256').update(data).digest('hex'));
    const init = recordGossipsubInit({ topic, maxMessageBytes: 1000, ipColocationWhitelist: [] });
    assert.equal(init.globalSignaturePolicy, 'StrictNoSign');
    assert.deepEqual(init.allowedTopics, [topic]);
    assert.ok((init.maxInboundDataLength ?? 0) > 1000);
  });
});
