import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundSeqOf } from '../../src/store/round-seq.js';

describe('roundSeqOf', () => {
  it('reads the first seq of any round key, whatever its session key holds (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.nat({ max: 50 }), (sessionKey, seq, round) => {
        expect(roundSeqOf(`${sessionKey}#${seq}#${round}`)).toBe(seq);
      }),
    );
  });

  it('gives 0 for keys that are not round keys', () => {
    for (const key of ['', 'r1', 'notice:web:c1#12#timeout', 'notice:busy:web:9', 's#12#', 's##3', '#5', 's#x#1', 's#99999999999999999999#0'])
      expect(roundSeqOf(key)).toBe(0);
    expect(roundSeqOf('telegram:42:7#12#0')).toBe(12);
  });
});
