"""Serve time, in each query worker: a seccomp filter so the worker cannot open any socket.

Why not read SERVICE out of the query text: pyoxigraph does its own HTTP in Rust, and a lexical
scan misses spellings its parser accepts (prefixed names, `SERVICE:x#` after an IRI-like
filter…). A worker that cannot create a socket cannot reach the network however the query is
spelt: the kernel refuses `socket()` (every address family: the worker talks to the web process
over a pipe it inherited, and needs no new socket), `socketpair()` and io_uring (which could
make sockets without `socket()`), and every system call of a foreign architecture (32-bit
`socketcall` on x86-64), with `ENETUNREACH`. pyoxigraph then fails the query with "Network is
unreachable (os error 101)", which the worker reports as `REFUSED_MARK` (see `refused`).

Linux only (x86-64 and aarch64); `install` raises OSError elsewhere, and the pool refuses to
start workers without it.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

__all__ = ["DENIED_ERRNO", "install", "refused"]

#: The errno a refused system call returns: "Network is unreachable", which no read-only query
#: on a local store meets otherwise.
DENIED_ERRNO = errno.ENETUNREACH

_PR_SET_NO_NEW_PRIVS = 38
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
# classic BPF opcodes: load word at absolute offset, jump if equal / greater or equal, return
_LD_ABS = 0x20
_JEQ = 0x15
_JGE = 0x35
_RET = 0x06
# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_OFFSET_NR, _OFFSET_ARCH = 0, 4

_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
# machine → (AUDIT_ARCH_*, socket, socketpair, io_uring_setup, x32 bit or None, seccomp)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 53, 425, 0x40000000, 317),
    "aarch64": (0xC00000B7, 198, 199, 425, None, 277),
}


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("HBBI", code, 0, 0, k)


def _jump(code: int, k: int, if_true: int, if_false: int) -> bytes:
    return struct.pack("HBBI", code, if_true, if_false, k)


def program(machine: str | None = None) -> list[bytes]:
    """The filter as classic BPF instructions (one 8-byte sock_filter each)."""
    machine = machine or platform.machine()
    if machine not in _ARCHES:
        raise OSError(f"no seccomp filter for {machine}: query workers need Linux x86-64/aarch64")
    arch, nr_socket, nr_socketpair, nr_uring, x32, _ = _ARCHES[machine]
    deny = _RET_ERRNO | DENIED_ERRNO
    # jumps count the instructions to skip after the jump itself
    return [
        _stmt(_LD_ABS, _OFFSET_ARCH),
        _jump(_JEQ, arch, 1, 0),  # native architecture: go on
        _stmt(_RET, deny),  # a foreign one (int 0x80 socketcall): refused
        _stmt(_LD_ABS, _OFFSET_NR),
        _jump(_JGE, x32, 0, 1) if x32 else _jump(_JEQ, 0xFFFFFFFF, 0, 1),
        _stmt(_RET, deny),  # x32 system calls: refused
        _jump(_JEQ, nr_socket, 3, 0),
        _jump(_JEQ, nr_socketpair, 2, 0),
        _jump(_JEQ, nr_uring, 1, 0),
        _stmt(_RET, _RET_ALLOW),
        _stmt(_RET, deny),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install() -> None:
    """Install the filter on every thread of this process (TSYNC), and on the threads it starts
    later: from now on it cannot create a socket. Irreversible; the worker calls it before it
    opens the store or reads a query."""
    instructions = program()
    nr_seccomp = _ARCHES[platform.machine()][5]
    buffer = ctypes.create_string_buffer(b"".join(instructions))
    fprog = _SockFprog(len(instructions), ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    done = libc.syscall(
        nr_seccomp, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog)
    )
    if done != 0:
        raise OSError(ctypes.get_errno(), f"seccomp(SET_MODE_FILTER, TSYNC) failed ({done})")


def refused(message: str) -> bool:
    """True when a store error is the filter refusing a connection (pyoxigraph's message ends
    with the OS error number)."""
    return f"(os error {DENIED_ERRNO})" in message or "[Errno 101]" in message
