"""What a query process does to itself before it takes a query: no network, bounded memory,
and death with its parent.

No network: a seccomp filter, written here as a classic BPF program and installed with the
``seccomp`` system call (through ctypes, no extra package), makes ``socket()`` fail with
EAFNOSUPPORT for every address family but AF_UNIX, and refuses ``io_uring_setup`` (io_uring
can open sockets without calling ``socket``). Every thread of the process gets it (TSYNC),
and so does anything it starts. Why seccomp rather than a network namespace: it needs no
root (``unshare(CLONE_NEWNET)`` does), it works the same inside containers that forbid
namespaces, and it cannot be half-applied: the kernel installs the whole filter or returns
an error. When the kernel refuses it (no seccomp, an architecture this module does not know),
``install`` raises SandboxError and the worker exits before it takes a query; the pool then
refuses to run queries and says why. It never runs queries with network.

Memory: RLIMIT_AS caps the address space; an allocation beyond it fails (Rust aborts, Python
raises MemoryError), the process dies, and the pool replaces it.

Parent death: PR_SET_PDEATHSIG sends SIGKILL when the thread that started the worker ends
(the pool starts workers from one long-lived thread), so no orphan outlives the server.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import socket
import struct

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1

# (audit architecture, socket, io_uring_setup, seccomp, x32 bit) per machine
_ARCHES = {
    "x86_64": (0xC000003E, 41, 425, 317, 0x40000000),
    "aarch64": (0xC00000B7, 198, 425, 277, None),
}
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000
_LD_W_ABS = 0x20
_JEQ = 0x15
_JGE = 0x35
_RET = 0x06
_AF_UNIX = 1


class SandboxError(OSError):
    """The kernel would not install the sandbox; the worker must not take queries."""


def _instruction(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def filter_program(machine: str) -> bytes:
    """The BPF program: kill on a foreign architecture; EPERM for x32 calls and io_uring;
    EAFNOSUPPORT for socket() of any family but AF_UNIX; allow the rest."""
    if machine not in _ARCHES:
        raise SandboxError(f"no seccomp filter for the {machine} architecture")
    arch, nr_socket, nr_io_uring, _, x32 = _ARCHES[machine]
    refuse = _RET_ERRNO | errno.EAFNOSUPPORT
    # Jump offsets count from the next instruction; targets: 8 allow, 9 refuse, 10 kill.
    program = [
        _instruction(_LD_W_ABS, 0, 0, 4),  # 0: arch
        _instruction(_JEQ, 0, 8, arch),  # 1: foreign -> 10 kill
        _instruction(_LD_W_ABS, 0, 0, 0),  # 2: syscall number
        _instruction(_JGE, 5, 0, x32 if x32 is not None else 0xFFFFFFFF),  # 3: x32 -> 9
        _instruction(_JEQ, 4, 0, nr_io_uring),  # 4: io_uring_setup -> 9
        _instruction(_JEQ, 0, 2, nr_socket),  # 5: not socket -> 8 allow
        _instruction(_LD_W_ABS, 0, 0, 16),  # 6: socket's first argument (the family)
        _instruction(_JEQ, 0, 1, _AF_UNIX),  # 7: AF_UNIX -> 8, else 9
        _instruction(_RET, 0, 0, _RET_ALLOW),  # 8
        _instruction(_RET, 0, 0, refuse),  # 9
        _instruction(_RET, 0, 0, _RET_KILL_PROCESS),  # 10
    ]
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def deny_network() -> None:
    """Install the filter on every thread of this process; SandboxError if refused, or if a
    socket can still be opened afterwards."""
    machine = platform.machine()
    code = filter_program(machine)
    nr_seccomp = _ARCHES[machine][3]
    libc = _libc()
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_char_p))
    flags = SECCOMP_FILTER_FLAG_TSYNC
    if libc.syscall(nr_seccomp, SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(prog)) != 0:
        raise SandboxError(f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
        except OSError:
            continue
        raise SandboxError("the seccomp filter is installed but a network socket still opens")


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL when the parent goes; exit at once if it is already gone."""
    if _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise SandboxError("prctl(PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)


def limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
