import { createHash } from 'node:crypto';

// I9: every stream is a hash chain. An event's hash covers the previous event's hash, its revision, its
// type and its data, so an edited, removed or reordered event breaks the chain at a nameable place.

export const genesisHash = '0'.repeat(64);

/** JSON with object keys sorted at every depth and undefined members dropped: one text per value. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      text += `${index === 0 ? '' : ','}${canonicalJson(value[index] ?? null)}`;
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  // The default sort orders keys by UTF-16 code units, the order every stored hash was computed in.
  const keys = Object.keys(record).sort();
  let text = '';
  for (const key of keys) {
    const member = record[key];
    if (member !== undefined) text += `,${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `{${text.slice(1)}}`;
};

export const eventHash = (prevHash: string, revision: number, type: string, data: unknown): string =>
  createHash('sha256')
    .update(`${prevHash}\n${revision}\n${type}\n${canonicalJson(data)}`)
    .digest('hex');

export type ChainLink = {
  revision: number;
  type: string;
  data: unknown;
  prevHash: string;
  hash: string;
};

export type ChainBreak = {
  /** The first event at which the stream stops verifying. */
  revision: number;
  problem: 'revision_gap' | 'prev_hash_mismatch' | 'hash_mismatch';
  detail: string;
};

/** Walks one stream in revision order; returns the first break, or undefined when it verifies. */
export const verifyChain = (links: Iterable<ChainLink>): ChainBreak | undefined => {
  let expectedRevision = 0;
  let expectedPrevHash = genesisHash;
  for (const link of links) {
    if (link.revision !== expectedRevision) {
      return {
        revision: link.revision,
        problem: 'revision_gap',
        detail: `expected revision ${expectedRevision}, found ${link.revision} (an event is missing or out of order)`,
      };
    }
    if (link.prevHash !== expectedPrevHash) {
      return {
        revision: link.revision,
        problem: 'prev_hash_mismatch',
        detail: 'prevHash does not match the previous event (an event was removed, reordered or replaced)',
      };
    }
    const recomputed = eventHash(link.prevHash, link.revision, link.type, link.data);
    if (recomputed !== link.hash) {
      return {
        revision: link.revision,
        problem: 'hash_mismatch',
        detail: 'the stored hash does not cover the stored type and data (the event was edited)',
      };
    }
    expectedRevision += 1;
    expectedPrevHash = link.hash;
  }
  return undefined;
};
