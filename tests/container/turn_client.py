"""A TURN Allocate over UDP with long-term credentials (RFC 5766 / 8489), enough to ask a
TURN server whether it accepts a username and password: allocate(host, port, user, pw)
returns the response's class ("success" or the error code, e.g. 401)."""
import hashlib
import hmac
import os
import socket
import struct

MAGIC = 0x2112A442
ALLOCATE, ALLOCATE_OK, ALLOCATE_ERR = 0x0003, 0x0103, 0x0113
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, REALM, NONCE, REQUESTED_TRANSPORT = (
    0x0006, 0x0008, 0x0009, 0x0014, 0x0015, 0x0019)


def _attr(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def _message(attrs, key=None):
    body = b"".join(_attr(k, v) for k, v in attrs)
    txid = os.urandom(12)
    if key is None:
        return struct.pack("!HHI", ALLOCATE, len(body), MAGIC) + txid + body
    # MESSAGE-INTEGRITY covers the header with the length that includes itself.
    header = struct.pack("!HHI", ALLOCATE, len(body) + 24, MAGIC) + txid
    mac = hmac.new(key, header + body, hashlib.sha1).digest()
    return header + body + _attr(MESSAGE_INTEGRITY, mac)


def _parse(data):
    kind, length = struct.unpack("!HH", data[:4])
    attrs, i = {}, 20
    while i + 4 <= 20 + length:
        t, n = struct.unpack("!HH", data[i:i + 4])
        attrs[t] = data[i + 4:i + 4 + n]
        i += 4 + n + (-n % 4)
    return kind, attrs


def _ask(sock, addr, msg):
    sock.sendto(msg, addr)
    data, _ = sock.recvfrom(2048)
    return _parse(data)


def allocate(host, port, username, password, timeout=3.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        transport = [(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))]
        kind, attrs = _ask(sock, (host, port), _message(transport))
        if kind != ALLOCATE_ERR or REALM not in attrs:
            return "unexpected first answer"
        realm, nonce = attrs[REALM], attrs[NONCE]
        key = hashlib.md5(username.encode() + b":" + realm + b":" + password.encode()).digest()
        kind, attrs = _ask(sock, (host, port), _message(
            [(USERNAME, username.encode()), (REALM, realm), (NONCE, nonce)] + transport, key))
        if kind == ALLOCATE_OK:
            return "success"
        code = attrs.get(ERROR_CODE, b"\0\0\0\0")
        return code[2] * 100 + code[3]
