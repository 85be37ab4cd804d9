"""netguard — imported first by SDK flow scripts under test: any attempt to
resolve or connect to a non-loopback address is refused and recorded, so a
test can assert that nothing tried to leave the machine."""
import socket

attempts = []
_LOCAL = ("localhost", "127.0.0.1", "::1")


def _is_local(host):
    return host is None or host in _LOCAL or str(host).startswith("127.")


_connect = socket.socket.connect
_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(host):
        attempts.append(str(host))
        raise OSError(f"netguard: connection to {host!r} blocked")
    return _connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        attempts.append(str(host))
        raise socket.gaierror(f"netguard: lookup of {host!r} blocked")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.getaddrinfo = _guarded_getaddrinfo
