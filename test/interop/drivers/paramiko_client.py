"""Interop driver: Paramiko as the SSH client (test/interop/matrix.test.ts).

    paramiko_client.py HOST PORT LOGIN KEYFILE exec COMMAND
    paramiko_client.py HOST PORT LOGIN KEYFILE shell INPUT
    paramiko_client.py HOST PORT LOGIN KEYFILE exec COMMAND ssh-rsa

With `ssh-rsa` last, an RSA key signs with SHA-1 ssh-rsa whatever server-sig-algs says, as
Paramiko did before 2.9 (a client the server must refuse).

Prints the session's output and exits with the remote exit status (255 when the connection or
the login failed). `shell` requests a PTY, starts a shell and sends INPUT once the prompt shows.
The host key is not checked: the test trusts the server it started itself.
"""
import sys

import paramiko


def main():
    host, port, login, keyfile, mode, arg = sys.argv[1:7]
    if sys.argv[7:8] == ["ssh-rsa"]:
        paramiko.auth_handler.AuthHandler._finalize_pubkey_algorithm = lambda self, key_type: key_type
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(host, int(port), username=login, key_filename=keyfile, look_for_keys=False,
                       allow_agent=False, timeout=20, auth_timeout=20, banner_timeout=20)
    except Exception as err:  # noqa: BLE001 (any failure is a failed connection to report)
        print(f"paramiko: {type(err).__name__}: {err}", file=sys.stderr)
        return 255
    chan = client.get_transport().open_session()
    if mode == "shell":
        chan.get_pty(term="xterm", width=80, height=24)
        chan.invoke_shell()
        sent = False
        seen = b""
        while True:
            data = chan.recv(4096)
            if not data:
                break
            sys.stdout.buffer.write(data)
            seen += data
            # Typed ahead of the prompt, the line would be echoed before the shell reads it.
            if not sent and (b"$ " in seen or b"# " in seen):
                chan.sendall(arg.encode())
                sent = True
    else:
        chan.exec_command(arg)
        chan.shutdown_write()
        while True:
            data = chan.recv(4096)
            if not data:
                break
            sys.stdout.buffer.write(data)
    status = chan.recv_exit_status()
    sys.stdout.flush()
    client.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
