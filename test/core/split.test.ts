import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitText } from '../../src/core/split.js';

describe('splitText', () => {
  it('keeps every part within the limit, loses no non-space character, never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), fc.integer({ min: 2, max: 300 }), (text, max) => {
        const parts = splitText(text, max);
        for (const part of parts) {
          expect(part.length).toBeLessThanOrEqual(max);
          const last = part.charCodeAt(part.length - 1);
          expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
        }
        expect(parts.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
      }),
      { numRuns: 300 },
    );
  });

  it('prefers paragraph, then line, then word boundaries', () => {
    expect(splitText('aaaa bbbb\n\ncccc dddd', 15)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(splitText('aaaa bbbb\ncccc dddd', 15)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(splitText('aaaa bbbb cccc dddd', 15)).toEqual(['aaaa bbbb cccc', 'dddd']);
    expect(splitText('😀😀😀', 3)).toEqual(['😀', '😀', '😀']);
  });
});
