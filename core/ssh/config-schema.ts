/**
 * The config keys the SSH layer owns: the algorithm lists (ciphers, kex_algorithms, macs,
 * host_key_algorithms) and the checks one key's schema cannot say (an unknown algorithm, the
 * authorized_keys_command's program and tokens). The composition root hands this part to
 * core/config's loader.
 */
import type { ConfigPart } from '../config/load.js';
import type { ServerConfig } from '../config/types.js';
import { type AlgorithmKey, algorithmProblems, algorithms, supportedAlgorithms } from './algorithms.js';
import { unknownTokens } from './keys-command.js';

/** ciphers, kex_algorithms, macs, host_key_algorithms: names checked by sshConfigPart.check (a clear message per unknown one). */
function algorithmProperties(): Record<string, unknown> {
  const what: Record<AlgorithmKey, [string, readonly string[]]> = {
    ciphers: ["sshd's Ciphers", algorithms.cipher],
    kex_algorithms: ["sshd's KexAlgorithms", algorithms.kex],
    macs: ["sshd's MACs (for ciphers without their own integrity: the -ctr and -cbc ones)", algorithms.hmac],
    host_key_algorithms: [
      "sshd's HostKeyAlgorithms: which host keys are offered, in this order (an RSA key as rsa-sha2-512 and rsa-sha2-256)",
      algorithms.serverHostKey,
    ],
  };
  return Object.fromEntries(
    Object.entries(what).map(([key, [description, dflt]]) => [
      key,
      {
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
        uniqueItems: true,
        description: `Offered, in order of preference (${description}). Default: ${dflt.join(', ')}. Supported: ${supportedAlgorithms[key as AlgorithmKey].join(', ')}.`,
      },
    ]),
  );
}

function sshChecks(cfg: ServerConfig): string[] {
  const out: string[] = [];
  for (const key of ['ciphers', 'kex_algorithms', 'macs', 'host_key_algorithms'] as const) {
    out.push(...algorithmProblems(key, cfg[key]));
  }
  const keysCommand = cfg.auth.authorized_keys_command;
  if (keysCommand) {
    if (!cfg.auth.authorized_keys_command_user)
      out.push(
        'auth.authorized_keys_command_user: required with auth.authorized_keys_command (the account it runs as)',
      );
    if (!keysCommand[0]?.startsWith('/'))
      out.push('auth.authorized_keys_command[0]: must be an absolute path (the program to run)');
    keysCommand.forEach((arg, i) => {
      for (const t of unknownTokens(arg))
        out.push(`auth.authorized_keys_command[${i}]: unknown token %${t} (known: %u %U %h %t %f %k %%)`);
    });
  } else if (cfg.auth.authorized_keys_command_user) {
    out.push('auth.authorized_keys_command_user: set without auth.authorized_keys_command');
  }
  return out;
}

export const sshConfigPart: ConfigPart = { properties: algorithmProperties(), check: sshChecks };
