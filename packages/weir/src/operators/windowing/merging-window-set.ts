/**
 * @module MergingWindowSet (Flink's): the windows of one key under a merging assigner (sessions),
 * each mapped to the window whose namespace holds its state. When windows merge, the merged window
 * keeps one of the old state windows, so only the other state windows' contents have to move.
 * The mapping lives in keyed list state, so it is part of checkpoints.
 */
import { WeirError } from '../../core/errors.ts';
import { namespaceId } from '../../state/namespace-id.ts';
import type { ListState } from '../../state/state.ts';
import type { Window, WindowSerializer } from './window.ts';
import type { MergingWindowAssigner } from './window-assigner.ts';

/** Called when windows merge: the merged window, the windows merged into it, its state window and the state windows to merge into that. */
export type MergeFunction<W> = (mergeResult: W, mergedWindows: readonly W[], stateWindowResult: W, mergedStateWindows: readonly W[]) => void;

interface Mapping<W> {
  readonly window: W;
  readonly stateWindow: W;
}

export class MergingWindowSet<W extends Window> {
  readonly #assigner: MergingWindowAssigner<unknown, W>;
  readonly #state: ListState<[W, W]>;
  /** Window id -> window and its state window. */
  readonly #mapping = new Map<string, Mapping<W>>();
  #changed = false;

  /** Reads the current key's mapping from `state`; windows a restore gave back as plain data become windows again. */
  constructor(assigner: MergingWindowAssigner<unknown, W>, state: ListState<[W, W]>, serializer: WindowSerializer<W>) {
    this.#assigner = assigner;
    this.#state = state;
    for (const [window, stateWindow] of state.get()) {
      const w = serializer.toWindow(window);
      this.#mapping.set(namespaceId(w), { window: w, stateWindow: serializer.toWindow(stateWindow) });
    }
  }

  /** Writes the mapping back to state when it changed. */
  persist(): void {
    if (!this.#changed) return;
    this.#changed = false;
    if (this.#mapping.size === 0) this.#state.clear();
    else this.#state.update([...this.#mapping.values()].map((m): [W, W] => [m.window, m.stateWindow]));
  }

  /** The window whose namespace holds `window`'s state; undefined when `window` is not (or no longer) in the set. */
  getStateWindow(window: W): W | undefined {
    return this.#mapping.get(namespaceId(window))?.stateWindow;
  }

  /** Removes a window that fired for the last time (or was late) from the set. */
  retireWindow(window: W): void {
    if (!this.#mapping.delete(namespaceId(window))) {
      throw new WeirError('INTERNAL', `window ${String(window)} is not in the merging window set`);
    }
    this.#changed = true;
  }

  /**
   * Adds `newWindow`, merging it with the windows it overlaps; `merge` is called for every merge that
   * involves existing windows, before this returns. Returns the window `newWindow` ended up in.
   */
  addWindow(newWindow: W, merge: MergeFunction<W>): W {
    const newId = namespaceId(newWindow);
    const windows = [...[...this.#mapping.values()].map((m) => m.window)];
    if (!this.#mapping.has(newId)) windows.push(newWindow);
    const results: { result: W; merged: W[] }[] = [];
    this.#assigner.mergeWindows(windows, (toBeMerged, mergeResult) => {
      results.push({ result: mergeResult, merged: [...toBeMerged] });
    });

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const { result, merged } of results) {
      const position = merged.findIndex((w) => namespaceId(w) === newId);
      if (position >= 0) {
        merged.splice(position, 1);
        mergedNewWindow = true;
        resultWindow = result;
      }
      // The merged window keeps the state window of one of the windows it replaces.
      const first = merged[0] as W;
      const stateWindowResult = this.#mapping.get(namespaceId(first))?.stateWindow as W;
      const mergedStateWindows: W[] = [];
      for (const w of merged) {
        const id = namespaceId(w);
        const removed = this.#mapping.get(id);
        if (removed !== undefined) {
          this.#mapping.delete(id);
          if (namespaceId(removed.stateWindow) !== namespaceId(stateWindowResult)) mergedStateWindows.push(removed.stateWindow);
        }
      }
      this.#mapping.set(namespaceId(result), { window: result, stateWindow: stateWindowResult });
      this.#changed = true;
      // Nothing to merge when the result is the one window already in the set (only the new window joined it).
      const resultId = namespaceId(result);
      if (!(merged.length === 1 && namespaceId(first) === resultId)) merge(result, merged, stateWindowResult, mergedStateWindows);
    }
    if (results.length === 0 || (namespaceId(resultWindow) === newId && !mergedNewWindow)) {
      if (!this.#mapping.has(newId)) {
        this.#mapping.set(newId, { window: newWindow, stateWindow: newWindow });
        this.#changed = true;
      }
    }
    return resultWindow;
  }

  /** The windows in the set, for tests. */
  windows(): W[] {
    return [...this.#mapping.values()].map((m) => m.window);
  }
}
