"""Runs a client that insists on a terminal (dbclient -t) on a local PTY (test/interop/matrix.test.ts).

    pty_run.py INPUT -- ARGV...

Starts ARGV on a new PTY, copies its output to stdout, types INPUT once a shell prompt ("$ " or "# ")
shows, and exits with the client's exit status. Typed earlier, the input could be flushed when
the client switches the terminal to raw mode.
"""
import os
import pty
import sys


def main():
    text = sys.argv[1].encode()
    argv = sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    seen = b""
    sent = False
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the client closed the terminal
            break
        if not data:
            break
        sys.stdout.buffer.write(data)
        seen += data
        if not sent and (b"$ " in seen or b"# " in seen):
            os.write(fd, text)
            sent = True
    sys.stdout.flush()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 255


if __name__ == "__main__":
    sys.exit(main())
