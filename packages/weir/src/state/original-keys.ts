/**
 * @module The original form of tuple keys, by their normalized string, so iteration can hand back the
 * key the operator used. Primitive keys are their own normalized form and never appear here.
 */
import type { Key } from '../core/key-groups.ts';
import type { NormalizedKey } from './internal-key-context.ts';

interface OriginalKey {
  readonly key: Key;
  /** How many entries (one per namespace) hold a value for the key; the key is dropped at zero. */
  uses: number;
}

/** Tuple keys of one key group of one state, counted by use. */
export class OriginalKeys {
  private readonly byNormalizedKey = new Map<string, OriginalKey>();

  /** Records one more entry for `key`; called when an entry for it is created. */
  retain(normalizedKey: string, key: Key): void {
    const original = this.byNormalizedKey.get(normalizedKey);
    if (original === undefined) this.byNormalizedKey.set(normalizedKey, { key, uses: 1 });
    else original.uses++;
  }

  /** Records one entry less; called when an entry for the key is removed. */
  release(normalizedKey: string): void {
    const original = this.byNormalizedKey.get(normalizedKey);
    if (original !== undefined && --original.uses === 0) this.byNormalizedKey.delete(normalizedKey);
  }

  /**
   * An independent copy, for the copy a write makes of a key group's map that a snapshot froze: the
   * use counts change with writes, so the frozen map must keep its own.
   */
  copy(): OriginalKeys {
    const copy = new OriginalKeys();
    for (const [normalizedKey, { key, uses }] of this.byNormalizedKey) copy.byNormalizedKey.set(normalizedKey, { key, uses });
    return copy;
  }

  /** The key as the operator passed it, for an entry's normalized key. */
  originalKey(normalizedKey: NormalizedKey): Key {
    if (typeof normalizedKey !== 'string') return normalizedKey;
    return this.byNormalizedKey.get(normalizedKey)?.key ?? normalizedKey;
  }
}
