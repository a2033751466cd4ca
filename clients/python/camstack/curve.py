"""CURVE keys of a client, read from the certificate files camstack-keygen writes
(docs/PROTOCOL.md section 15.2)."""

import os
import stat

import zmq
import zmq.auth

__all__ = ["Curve"]


class Curve:
    """CURVE keys for a client: its own pair and pubd's public key, as Z85 bytes."""

    def __init__(self, public_key, secret_key, server_key):
        self.public_key, self.secret_key, self.server_key = public_key, secret_key, server_key

    @classmethod
    def from_files(cls, client_certificate, server_certificate):
        """Loads this client's pair from `client_certificate` + "_secret" (which other users
        must not be able to read or write) and pubd's public key from `server_certificate`:
        the files camstack-keygen writes. Raises PermissionError for a secret file others may
        read or write, ValueError for one without a secret key or whose public key is not the
        one of its secret key (as camstack's daemons refuse them: PROTOCOL.md section 15.2)."""
        secret_file = client_certificate + "_secret"
        mode = os.stat(secret_file).st_mode
        if mode & (stat.S_IRWXO | stat.S_IWGRP):
            raise PermissionError(f"'{secret_file}' holds a secret key but other users may read "
                                  f"or write it (mode {stat.S_IMODE(mode):04o}): chmod 600 it")
        public, secret = zmq.auth.load_certificate(secret_file)
        if not secret:
            raise ValueError(f"'{secret_file}' holds no secret-key")
        if zmq.curve_public(secret) != public:
            raise ValueError(f"'{secret_file}' is damaged: its public-key is not the one of "
                             "its secret-key")
        server, _ = zmq.auth.load_certificate(server_certificate)
        return cls(public, secret, server)

    def apply(self, sock):
        """Makes ZeroMQ socket `sock` a CURVE client with these keys (before its connect)."""
        sock.curve_serverkey = self.server_key
        sock.curve_publickey = self.public_key
        sock.curve_secretkey = self.secret_key
