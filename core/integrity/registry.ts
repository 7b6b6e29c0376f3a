/**
 * The chains being written in this process, for the periodic audit.checkpoint: every open one,
 * and each one closed since the last checkpoint with its final state (so that the last block of
 * a short session is anchored too).
 */
import type { ChainState } from './writer.js';

interface Listed {
  readonly current: ChainState;
}

const open = new Set<Listed>();
let closedSince: ChainState[] = [];

export function chainOpened(c: Listed): void {
  open.add(c);
}

export function chainClosed(c: Listed, final: ChainState): void {
  open.delete(c);
  closedSince.push(final);
}

export function chainDropped(c: Listed): void {
  open.delete(c);
}

/** The states to report now: those closed since the last call, then the open ones. */
export function takeChainStates(): ChainState[] {
  const out = closedSince;
  closedSince = [];
  for (const c of open) out.push(c.current);
  return out;
}
