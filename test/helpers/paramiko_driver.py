"""Drives sshtrail with Paramiko for the tests (test/helpers/paramiko.ts runs it).

Reads one JSON object on stdin: {"port": N, "username": "...", "steps": [...]}, runs the steps
on one connection and prints one JSON object: {"results": [...], "active": bool}. Steps:
  {"op": "query", "key": PATH}    a publickey query (no signature): "pk_ok", "failure" or "closed"
  {"op": "auth", "key": PATH}     Paramiko's own auth_publickey: "success", "failure" or "closed"
  {"op": "exec", "command": CMD}  {"stdout": ..., "code": N} on the authenticated connection
A step that finds the connection closed records "closed" and ends the run.
"""
import json
import socket
import sys
import threading

import paramiko
from paramiko.auth_handler import AuthHandler
from paramiko.common import (
    MSG_SERVICE_ACCEPT,
    MSG_USERAUTH_FAILURE,
    MSG_USERAUTH_PK_OK,
    cMSG_SERVICE_REQUEST,
    cMSG_USERAUTH_REQUEST,
)
from paramiko.message import Message


def load_key(path):
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key_file(path)
        except Exception:
            continue
    raise ValueError("cannot load key " + path)


class QueryHandler(AuthHandler):
    """Paramiko has no call for a bare publickey query: this handler sends them and reads the
    answers (PK_OK shares its number with INFO_REQUEST, which Paramiko's own table would take)."""

    def __init__(self, transport):
        super().__init__(transport)
        self.answer = None
        self.event = threading.Event()
        self.service = False

    def _on_accept(self, m):
        self.service = True
        self.answer = "accept"
        self.event.set()

    def _on_pk_ok(self, m):
        self.answer = "pk_ok"
        self.event.set()

    def _on_failure(self, m):
        self.answer = "failure"
        self.event.set()

    @property
    def _handler_table(self):
        return {
            MSG_SERVICE_ACCEPT: QueryHandler._on_accept,
            MSG_USERAUTH_PK_OK: QueryHandler._on_pk_ok,
            MSG_USERAUTH_FAILURE: QueryHandler._on_failure,
        }

    def wait(self, transport):
        while not self.event.wait(0.05):
            if not transport.is_active():
                return "closed"
        self.event.clear()
        return self.answer

    def request(self, transport, m):
        self.answer = None
        self.event.clear()
        try:
            transport._send_message(m)
        except (EOFError, OSError, paramiko.SSHException):
            return "closed"
        return self.wait(transport)


def query(t, state, username, key):
    h = state.get("query")
    if h is None or t.auth_handler is not h:
        h = QueryHandler(t)
        t.auth_handler = h
        state["query"] = h
        m = Message()
        m.add_byte(cMSG_SERVICE_REQUEST)
        m.add_string("ssh-userauth")
        if h.request(t, m) != "accept":
            return "closed"
    m = Message()
    m.add_byte(cMSG_USERAUTH_REQUEST)
    m.add_string(username)
    m.add_string("ssh-connection")
    m.add_string("publickey")
    m.add_boolean(False)
    m.add_string(key.get_name())
    m.add_string(key.asbytes())
    return h.request(t, m)


def main():
    spec = json.load(sys.stdin)
    sock = socket.create_connection(("127.0.0.1", spec["port"]), timeout=30)
    t = paramiko.Transport(sock)
    t.start_client(timeout=30)
    username = spec["username"]
    results = []
    state = {}
    for step in spec["steps"]:
        op = step["op"]
        if not t.is_active():
            results.append("closed")
            break
        if op == "query":
            r = query(t, state, username, load_key(step["key"]))
        elif op == "auth":
            try:
                t.auth_publickey(username, load_key(step["key"]))
                r = "success" if t.is_authenticated() else "failure"
            except paramiko.AuthenticationException:
                r = "failure"
            except (paramiko.SSHException, EOFError, OSError):
                r = "closed"
        elif op == "exec":
            try:
                ch = t.open_session(timeout=30)
                ch.exec_command(step["command"])
                out = ch.makefile("rb").read().decode()
                r = {"stdout": out, "code": ch.recv_exit_status()}
            except (paramiko.SSHException, EOFError, OSError):
                r = "closed"
        else:
            raise ValueError("unknown op " + op)
        results.append(r)
        if r == "closed":
            break
    active = t.is_active()
    t.close()
    print(json.dumps({"results": results, "active": active}))


main()
