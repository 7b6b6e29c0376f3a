/**
 * Moves bytes between a forwarded socket and its SSH channel, both ways, with flow control
 * (pipe: a slow side pauses the other; the SSH window then stops the client), half-close kept
 * (EOF on one side is a FIN or an SSH EOF on the other, the far direction goes on), and reports
 * once when both are closed, with the bytes moved each way.
 */
import type { Socket } from 'node:net';
import type { Channel } from '../ssh/adapter.js';

export interface RelayCounts {
  /** From the SSH client towards the socket. */
  bytesIn: number;
  /** From the socket towards the SSH client. */
  bytesOut: number;
}

export interface Relay {
  readonly counts: RelayCounts;
  /** Tears both sides down at once (the connection ended). */
  destroy(): void;
}

export function relay(
  sock: Socket,
  ch: Channel,
  activity: () => void,
  done: (c: RelayCounts) => void,
): Relay {
  const counts: RelayCounts = { bytesIn: 0, bytesOut: 0 };
  let sockClosed = false;
  let chClosed = false;
  let reported = false;
  const settle = () => {
    if (reported || !sockClosed || !chClosed) return;
    reported = true;
    done(counts);
  };
  ch.on('data', (d: Buffer) => {
    counts.bytesIn += d.length;
    activity();
  });
  sock.on('data', (d: Buffer) => {
    counts.bytesOut += d.length;
  });
  sock.pipe(ch);
  ch.pipe(sock);
  sock.on('error', () => {}); // ECONNRESET and the like: 'close' follows and ends the channel.
  ch.on('error', () => {});
  sock.once('close', () => {
    sockClosed = true;
    // The pipe into the socket is gone with it: whatever the client still sends is dropped, and
    // read, or ssh2 never reaches the channel's 'end' and so never its 'close'.
    ch.resume();
    // Close the channel once everything read from the socket was handed to ssh2.
    if (ch.writableFinished || ch.destroyed) ch.close();
    else {
      ch.once('finish', () => ch.close());
      ch.end();
    }
    settle();
  });
  ch.once('close', () => {
    chClosed = true;
    // The client closed the channel: what it sent before still reaches the socket, then FIN.
    if (!sock.destroyed) sock.end(() => sock.destroy());
    settle();
  });
  return {
    counts,
    destroy() {
      sock.destroy();
      ch.destroy();
    },
  };
}
