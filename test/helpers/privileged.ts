/**
 * Tests that need root, BPF or cgroup v2 skip with the reason elsewhere; in CI
 * (SSHTRAIL_REQUIRE_PRIVILEGED=1) the missing capability is a failure instead.
 */
import type { TestContext } from 'node:test';

export const requirePrivileged = process.env.SSHTRAIL_REQUIRE_PRIVILEGED === '1';

/**
 * Returns true when the test may go on. Otherwise skips the test with `reason`, or fails it when
 * privileged tests are required.
 */
export function needs(t: TestContext, available: boolean, reason: string): boolean {
  if (available) return true;
  if (requirePrivileged) throw new Error(`required in CI but unavailable: ${reason}`);
  t.skip(reason);
  return false;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
