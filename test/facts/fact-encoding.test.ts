import { describe, expect, it } from 'vitest';
import { decideBatch } from '../../lib/domain/batch.js';
import { initialState } from '../../lib/domain/state.js';
import { factId } from '../../lib/events/ids.js';
import { decodeFact, encodeFact, factEnvelope } from '../../lib/facts/codec.js';
import { FACT_TYPES, FactV1Schema } from '../../lib/facts/schema-v1.js';
import {
  creditRequest,
  depositRequest,
  id,
  openRequest,
  refundRequest,
  transferRequest,
  withdrawalRequest,
} from '../domain/fixtures.js';

const alice = id('fact-encoding-alice');
const bob = id('fact-encoding-bob');
const ghost = id('fact-encoding-ghost');

/** A batch whose decisions include every fact type. */
function everyFact() {
  const requests = [
    depositRequest(ghost, 5),
    openRequest(alice),
    openRequest(alice),
    openRequest(bob, { currency: 'USD' }),
    depositRequest(alice, 100),
    withdrawalRequest(alice, 30),
    withdrawalRequest(alice, 1_000),
    transferRequest(alice, bob, 20),
    transferRequest(alice, bob, 1_000),
    creditRequest(alice, bob, 10),
    creditRequest(bob, alice, 10),
    refundRequest(alice, bob, 10),
    refundRequest(ghost, bob, 10),
  ];
  return decideBatch(requests, initialState()).steps.map((step) => step.fact);
}

describe('encodeFact: the facts topic value, built without parsing it again', () => {
  it('writes for every fact type the bytes the schema would write, which read back as the fact', () => {
    const facts = everyFact();
    expect(new Set(facts.map((fact) => fact.type))).toEqual(new Set(FACT_TYPES));
    for (const fact of facts) {
      const encoded = encodeFact(fact);
      expect(encoded.value, fact.type).toBe(JSON.stringify(FactV1Schema.parse(factEnvelope(fact))));
      expect(encoded.factId).toBe(factId(fact.requestEventId, fact.type));
      expect(decodeFact(encoded.value)).toEqual({ ok: true, factId: encoded.factId, fact });
    }
  });
});
