/**
 * A tap between a real SFTP client and OpenSSH's real sftp-server, for the tracker's tests:
 * `sftp -D "node tap.js"` runs it as the "server"; it starts sftp-server, forwards both
 * directions untouched and feeds them to SftpTracker, then writes the records as JSON lines to
 * $SFTP_TAP_OUT when the conversation ends.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { type SftpRecord, SftpTracker } from '../../core/sftp/tracker.js';

const out = process.env.SFTP_TAP_OUT;
const serverPath = process.env.SFTP_SERVER ?? '/usr/lib/openssh/sftp-server';
const records: SftpRecord[] = [];
const tracker = new SftpTracker((r) => records.push(r));
const server = spawn(serverPath, [], { stdio: ['pipe', 'pipe', 'inherit'] });

process.stdin.on('data', (d: Buffer) => {
  tracker.client(d);
  server.stdin.write(d);
});
process.stdin.on('end', () => server.stdin.end());
server.stdout.on('data', (d: Buffer) => {
  tracker.server(d);
  process.stdout.write(d);
});
server.on('close', (code) => {
  tracker.end();
  if (out) writeFileSync(out, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  process.exitCode = code ?? 1;
});
