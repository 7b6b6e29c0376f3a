"""Interop driver: AsyncSSH as the SSH client (test/interop/matrix.test.ts).

    asyncssh_client.py HOST PORT LOGIN KEYFILE exec COMMAND
    asyncssh_client.py HOST PORT LOGIN KEYFILE shell INPUT

Prints the session's output and exits with the remote exit status (255 when the connection or
the login failed). `shell` requests a PTY, starts a shell and sends INPUT once the prompt shows.
The host key is not checked: the test trusts the server it started itself.
"""
import asyncio
import sys
import warnings

# Debian's cryptography warns about ciphers AsyncSSH merely imports.
warnings.filterwarnings("ignore")
import asyncssh  # noqa: E402


async def run(host, port, login, keyfile, mode, arg):
    try:
        conn = await asyncssh.connect(host, int(port), username=login, client_keys=[keyfile],
                                      known_hosts=None, agent_path=None, login_timeout=20)
    except Exception as err:  # noqa: BLE001 (any failure is a failed connection to report)
        print(f"asyncssh: {type(err).__name__}: {err}", file=sys.stderr)
        return 255
    async with conn:
        if mode == "shell":
            proc = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
            seen = b""
            sent = False
            while True:
                data = await proc.stdout.read(4096)
                if not data:
                    break
                sys.stdout.buffer.write(data)
                seen += data
                if not sent and (b"$ " in seen or b"# " in seen):
                    proc.stdin.write(arg.encode())
                    sent = True
        else:
            proc = await conn.create_process(arg, encoding=None)
            proc.stdin.write_eof()
            while True:
                data = await proc.stdout.read(4096)
                if not data:
                    break
                sys.stdout.buffer.write(data)
        await proc.wait_closed()
        sys.stdout.flush()
        return proc.exit_status if proc.exit_status is not None else 255


if __name__ == "__main__":
    sys.exit(asyncio.run(run(*sys.argv[1:7])))
